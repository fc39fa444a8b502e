#!/usr/bin/python3
"""Writes a .tflite model as an ONNX graph with the same weights, so ONNX Runtime runs the network liteopt runs
(bench/peers_*.sh). Bench tooling only: Debian's /usr/bin/python3 with python3-onnx and python3-flatbuffers.

    bench/tflite_to_onnx.py MODEL.tflite OUT.onnx [--check build/liteopt]

A float32 model becomes a float32 graph; a full-integer (int8/uint8) model becomes a QDQ graph, the format ONNX
Runtime's own quantizer writes: every 8-bit activation is a QuantizeLinear -> DequantizeLinear pair with the
tflite tensor's scale and zero point, weights are int8 initializers behind DequantizeLinear (per-channel scales
on the output-channel axis), biases int32 behind DequantizeLinear (scale = input scale x weight scale). ONNX
Runtime fuses these into its integer kernels (QLinearConv, QLinearAdd, ...) at load. Activations are uint8 in
the ONNX graph (an int8 tensor's zero point + 128: the same real values), weights int8: the u8s8 recipe of ONNX
Runtime's own quantizer on x86. 8-bit graph inputs and outputs stay 8-bit (uint8), so neither side converts a
float image.

Activations are NCHW (ONNX's layout); SAME padding becomes explicit TFLite-style pads (the odd pixel after).
Handles the ops of the benchmarked MobileNets: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MEAN over H,W,
AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE (flattening a 1x1 map), SOFTMAX, QUANTIZE, DEQUANTIZE; anything else is an
error naming the op.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tflite_graph  # noqa: E402

OPSET = 13
ONNX_TYPES = {np.float32: TensorProto.FLOAT, np.int8: TensorProto.INT8, np.uint8: TensorProto.UINT8,
              np.int32: TensorProto.INT32, np.int64: TensorProto.INT64}


def nchw(shape):
    return [shape[0], shape[3], shape[1], shape[2]] if len(shape) == 4 else list(shape)


class Converter:
    def __init__(self, model):
        self.m = model
        self.nodes, self.inits = [], []
        self.value = {}  # tflite tensor index -> ONNX name of its float value (float tensors)
        self.raw = {}    # tflite tensor index -> ONNX name of its 8-bit value (8-bit tensors, QDQ graphs)
        self.counter = 0

    def fresh(self, stem):
        self.counter += 1
        return f"{stem}__{self.counter}"

    def node(self, op_type, inputs, stem, **attrs):
        out = self.fresh(stem)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def const(self, stem, array):
        name = self.fresh(stem)
        array = np.asarray(array)  # np.ascontiguousarray would turn a scalar into shape (1,): ORT wants scalars
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array) if array.ndim else array, name))
        return name

    def activation_dtype(self, t):
        """The ONNX dtype of an activation: int8 activations become uint8 (zero point + 128, the same real values),
        the u8s8 recipe of ONNX Runtime's own quantizer on x86. Mixed int8/uint8 graphs defeat its fusions: its
        QDQS8ToU8 pass converts only some QuantizeLinear -> DequantizeLinear pairs, leaving ops between types."""
        return np.uint8 if t.dtype in (np.int8, np.uint8) else t.dtype

    def qparams(self, t, activation=True):
        """Scale and zero-point initializers of an 8-bit tensor; vectors (and the axis) when per-channel."""
        zp = t.zero_point
        if activation and t.dtype == np.int8:
            zp = zp + 128
        zp_dtype = self.activation_dtype(t) if activation else t.dtype
        if len(t.scale) == 1:
            return self.const(t.name + "_scale", np.float32(t.scale[0])), \
                self.const(t.name + "_zp", zp_dtype(zp[0])), {}
        return self.const(t.name + "_scale", t.scale.astype(np.float32)), \
            self.const(t.name + "_zp", zp.astype(zp_dtype)), {"axis": 0}

    def dequantize(self, t, raw_name, activation=True):
        s, z, attrs = self.qparams(t, activation)
        return self.node("DequantizeLinear", [raw_name, s, z], t.name + "_dq", **attrs)

    def define(self, idx, float_name):
        """Records a produced value; an 8-bit tflite tensor gets its QuantizeLinear (consumers dequantize it)."""
        t = self.m.tensors[idx]
        if t.quantized and t.dtype in (np.int8, np.uint8):
            s, z, _ = self.qparams(t)
            self.raw[idx] = self.node("QuantizeLinear", [float_name, s, z], t.name + "_q")
        else:
            self.value[idx] = float_name

    def use(self, idx):
        """An activation as an op input: 8-bit values get a DequantizeLinear of their own per consumer, as ONNX
        Runtime's quantizer writes them (its fusions match one DequantizeLinear per node)."""
        if idx in self.raw:
            return self.dequantize(self.m.tensors[idx], self.raw[idx])
        return self.value[idx]

    def weight(self, idx, perm):
        """A constant weight in ONNX layout: float, or int8 behind a per-channel DequantizeLinear (axis 0)."""
        t = self.m.tensors[idx]
        w = np.transpose(t.data, perm) if perm else t.data
        if t.dtype == np.float32:
            return self.const(t.name, w.astype(np.float32))
        if not t.quantized or t.dtype != np.int8:
            raise ValueError(f"tensor {idx} '{t.name}': weights must be float32 or quantized int8")
        if len(t.scale) > 1 and perm and perm[0] != t.quantized_dimension:
            raise ValueError(f"tensor {idx} '{t.name}': per-channel axis {t.quantized_dimension} is not the output axis")
        raw = self.const(t.name, w)
        return self.dequantize(t, raw, activation=False)

    def bias(self, idx):
        if idx < 0:
            return []
        t = self.m.tensors[idx]
        if t.dtype == np.float32:
            return [self.const(t.name, t.data)]
        raw = self.const(t.name, t.data.astype(np.int32))
        s = self.const(t.name + "_scale", t.scale.astype(np.float32))
        z = self.const(t.name + "_zp", np.zeros(len(t.scale), np.int32))
        return [self.node("DequantizeLinear", [raw, s, z], t.name + "_dq", axis=0)]

    def activation(self, name, act, out_idx=None):
        """The fused activation, left out when the 8-bit output's own range already clamps to it exactly (a
        Clip before QuantizeLinear that is not redundant keeps ONNX Runtime from fusing the op)."""
        if act is None:
            return name
        t = self.m.tensors[out_idx] if out_idx is not None else None
        if t is not None and t.quantized and t.dtype in (np.int8, np.uint8):
            qmin, qmax = (0, 255) if t.dtype == np.uint8 else (-128, 127)
            lo, hi = {"RELU": (0.0, None), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}[act]
            s, z = float(t.scale[0]), int(t.zero_point[0])
            if round(lo / s) + z <= qmin and (hi is None or round(hi / s) + z >= qmax):
                return name
        if act == "RELU":
            return self.node("Relu", [name], "relu")
        lo, hi = {"RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}[act]
        return self.node("Clip", [name, self.const("lo", np.float32(lo)), self.const("hi", np.float32(hi))], "clip")

    def pads(self, op, kernel_hw):
        o = op.options
        if o["padding"] == "VALID":
            return [0, 0, 0, 0]
        _, h, w, _ = self.m.tensors[op.inputs[0]].shape
        dh, dw = o.get("dilation", (1, 1))
        top, bottom = tflite_graph.same_padding(h, kernel_hw[0], o["stride"][0], dh)
        left, right = tflite_graph.same_padding(w, kernel_hw[1], o["stride"][1], dw)
        return [top, left, bottom, right]

    def conv(self, op, depthwise):
        w = self.m.tensors[op.inputs[1]]
        kh, kw = w.shape[1], w.shape[2]
        perm = (3, 0, 1, 2) if depthwise else (0, 3, 1, 2)
        group = self.m.tensors[op.inputs[0]].shape[3] if depthwise else 1
        y = self.node("Conv", [self.use(op.inputs[0]), self.weight(op.inputs[1], perm)] +
                      self.bias(op.inputs[2] if len(op.inputs) > 2 else -1), "conv",
                      kernel_shape=[kh, kw], strides=list(op.options["stride"]),
                      dilations=list(op.options["dilation"]), pads=self.pads(op, (kh, kw)), group=group)
        return self.activation(y, op.options["activation"], op.outputs[0])

    def flatten_nhwc(self, idx):
        """A rank-4 activation flattened in TFLite's (NHWC) element order."""
        x = self.use(idx)
        if len(self.m.tensors[idx].shape) != 4:
            return x
        _, h, w, _ = self.m.tensors[idx].shape
        if h * w != 1:
            x = self.node("Transpose", [x], "to_nhwc", perm=[0, 2, 3, 1])
        return self.node("Flatten", [x], "flatten", axis=1)

    def convert_op(self, op):
        t_in = [self.m.tensors[i] if i >= 0 else None for i in op.inputs]
        kind = op.type
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            return self.conv(op, kind == "DEPTHWISE_CONV_2D")
        if kind == "FULLY_CONNECTED":
            if op.options.get("keep_num_dims"):
                raise ValueError("FULLY_CONNECTED with keep_num_dims is not handled")
            y = self.node("Gemm", [self.flatten_nhwc(op.inputs[0]), self.weight(op.inputs[1], None)] +
                          self.bias(op.inputs[2] if len(op.inputs) > 2 else -1), "fc", transB=1)
            return self.activation(y, op.options["activation"], op.outputs[0])
        if kind == "ADD":
            return self.activation(self.node("Add", [self.use(i) for i in op.inputs], "add"), op.options["activation"],
                                   op.outputs[0])
        if kind == "MEAN":
            axes = sorted(int(a) % 4 for a in np.ravel(t_in[1].data))
            if len(t_in[0].shape) != 4 or axes != [1, 2]:
                raise ValueError("MEAN is handled over H,W of a rank-4 tensor only")
            y = self.node("GlobalAveragePool", [self.use(op.inputs[0])], "gap")
            return y if op.options["keep_dims"] else self.node("Flatten", [y], "flatten", axis=1)
        if kind in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            o = op.options
            attrs = {"kernel_shape": list(o["filter"]), "strides": list(o["stride"]), "pads": self.pads(op, o["filter"])}
            if kind == "AVERAGE_POOL_2D":
                attrs["count_include_pad"] = 0  # TFLite averages over the valid pixels only
            y = self.node("AveragePool" if kind == "AVERAGE_POOL_2D" else "MaxPool", [self.use(op.inputs[0])], "pool",
                          **attrs)
            return self.activation(y, o["activation"], op.outputs[0])
        if kind == "RESHAPE":
            out_shape = self.m.tensors[op.outputs[0]].shape
            if len(out_shape) == 2:
                return self.flatten_nhwc(op.inputs[0])
            if len(out_shape) == 4 and len(t_in[0].shape) == 4 and nchw(out_shape) == nchw(t_in[0].shape):
                return self.use(op.inputs[0])
            raise ValueError(f"RESHAPE {t_in[0].shape} -> {out_shape} is not handled")
        if kind == "SOFTMAX":
            if len(t_in[0].shape) != 2 or op.options["beta"] != 1.0:
                raise ValueError("SOFTMAX is handled on rank-2 tensors with beta 1 only")
            return self.node("Softmax", [self.use(op.inputs[0])], "softmax", axis=-1)
        if kind in ("QUANTIZE", "DEQUANTIZE"):
            return self.use(op.inputs[0])  # define() adds the output's QuantizeLinear when it is 8-bit
        raise ValueError(f"op {op.index} ({kind}) is not handled by tflite_to_onnx.py")

    def run(self):
        inputs, outputs = [], []
        for idx in self.m.inputs:
            t = self.m.tensors[idx]
            inputs.append(helper.make_tensor_value_info(t.name, ONNX_TYPES[self.activation_dtype(t)], nchw(t.shape)))
            if t.quantized and t.dtype in (np.int8, np.uint8):
                self.raw[idx] = t.name
            else:
                self.value[idx] = t.name
        for op in self.m.ops:
            try:
                y = self.convert_op(op)
            except (ValueError, KeyError) as e:
                raise ValueError(f"{self.m.path}: op {op.index} ({op.type}): {e}") from None
            self.define(op.outputs[0], y)
        for idx in self.m.outputs:
            t = self.m.tensors[idx]
            name = self.raw[idx] if idx in self.raw else self.value[idx]
            final = t.name
            self.nodes.append(helper.make_node("Identity", [name], [final], name=final + "_out"))
            outputs.append(helper.make_tensor_value_info(final, ONNX_TYPES[self.activation_dtype(t)], nchw(t.shape)))
        graph = helper.make_graph(self.nodes, os.path.basename(self.m.path), inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="liteopt bench/tflite_to_onnx.py")
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model


def deterministic_input(t):
    """The conformance tests' input rule for a tflite input tensor (element i: u = ((i * 2654435761) mod 2^32
    mod 1000) / 1000; float32 -> 2u-1, int8 -> floor(256u)-128, uint8 -> floor(256u))."""
    i = np.arange(int(np.prod(t.shape)), dtype=np.uint64)
    u = ((i * 2654435761) % 2**32 % 1000).astype(np.float64) / 1000
    if t.dtype == np.float32:
        x = (2 * u - 1).astype(np.float32)
    elif t.dtype == np.int8:
        x = (np.floor(256 * u) - 128).astype(np.int8)
    else:
        x = np.floor(256 * u).astype(np.uint8)
    return x.reshape(t.shape)


def check(tflite_path, onnx_path, liteopt):
    """Runs `liteopt run` on the .tflite and ONNX Runtime on the ONNX graph with the same input; returns the
    largest output difference (in output quantization steps for 8-bit outputs, absolute for float)."""
    m = tflite_graph.load(tflite_path)
    if len(m.inputs) != 1 or len(m.outputs) != 1:
        raise SystemExit("--check handles one input and one output")
    t_in, t_out = m.tensors[m.inputs[0]], m.tensors[m.outputs[0]]
    x = deterministic_input(t_in)
    onnx_x = np.transpose(x, (0, 3, 1, 2)) if x.ndim == 4 else x
    if onnx_x.dtype == np.int8:
        onnx_x = (onnx_x.astype(np.int16) + 128).astype(np.uint8)
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as d:
        np.save(os.path.join(d, "x.npy"), x)
        np.save(os.path.join(d, "x_onnx.npy"), np.ascontiguousarray(onnx_x))
        subprocess.run([liteopt, "run", tflite_path, "-i", os.path.join(d, "x.npy"), "-o", os.path.join(d, "lo")],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["node", os.path.join(here, "peers", "ort_bench.mjs"), onnx_path, "--input",
                        os.path.join(d, "x_onnx.npy"), "--output-dir", os.path.join(d, "ort"), "--warmup", "0",
                        "--runs", "1"], check=True, stdout=subprocess.DEVNULL)
        a = np.load(os.path.join(d, "lo", "output_0.npy"))
        b = np.load(os.path.join(d, "ort", "output_0.npy"))
    if a.ndim == 4:
        b = np.transpose(b, (0, 2, 3, 1))
    if t_out.quantized and t_out.dtype in (np.int8, np.uint8):
        shift = 128 if t_out.dtype == np.int8 else 0  # the ONNX graph's activations are uint8
        return float(np.abs(a.astype(np.int32) + shift - b.astype(np.int32)).max()), "steps"
    return float(np.abs(a - b).max()), "absolute"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tflite")
    ap.add_argument("onnx")
    ap.add_argument("--check", metavar="LITEOPT", help="compare ONNX Runtime's output with `LITEOPT run` on one input")
    args = ap.parse_args()
    model = Converter(tflite_graph.load(args.tflite)).run()
    tmp = args.onnx + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, args.onnx)
    ops = {}
    for n in model.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print(f"{args.onnx}: " + ", ".join(f"{k} {v}" for k, v in sorted(ops.items())), file=sys.stderr)
    if args.check:
        diff, unit = check(args.tflite, args.onnx, args.check)
        print(f"{args.onnx}: max |ONNX Runtime - liteopt| = {diff:.3g} ({unit})", file=sys.stderr)


if __name__ == "__main__":
    main()
