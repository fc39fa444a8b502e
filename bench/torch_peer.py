#!/usr/bin/python3
"""PyTorch peer of liteopt's interpreter on the Fashion-MNIST CNN (bench/peers_fashion.sh), with liteopt's weights.

    torch_peer.py prepare --tflite FLOAT.tflite --out DIR [--liteopt build/liteopt] [--calibration N]
    torch_peer.py bench DIR/float.pt|DIR/int8.pt [--threads N] [--warmup N] [--runs N]

`prepare` loads the float .tflite that `liteopt train --arch mobilenet_v2` wrote into the network of
../shared/notes/torch_baseline.py (its Net: Conv-BN-ReLU6 blocks; each convolution gets the tflite's folded weights
and its BatchNorm becomes the bias: weight 1, running mean 0, running variance 1 - eps), then saves
  float.pt  TorchScript (traced); `bench` freezes it and applies optimize_for_inference (oneDNN), as the notes did;
  int8.pt   FX post-training static quantization with the oneDNN engine (Debian's torch has no FBGEMM/x86
            engine), calibrated on the first N Fashion-MNIST training images scaled to [0,1] like liteopt's input;
            torch's own observers choose the int8 ranges, not liteopt's converter.
With --liteopt it checks that the network is the same: the float model with TFLite's SAME padding (stride-2
layers pad 0 before, 1 after; PyTorch's net pads 1 on both sides, which the timed model keeps: same work) against
`liteopt run` on one input; the largest difference is printed.
`bench` prints one JSON object like `liteopt bench --json`: latency_ms (min, median, p90, max) of batch-1 calls
on a channels_last input, and cpu_ms (process CPU time, all threads, per call).
Bench tooling only (Debian's /usr/bin/python3 with python3-torch), never part of the product.
"""
import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tflite_graph  # noqa: E402


def baseline_module(notes):
    sys.path.insert(0, os.path.abspath(notes))
    import torch_baseline
    return torch_baseline


def load_weights(net, model):
    """Copies the tflite's convolutions (in graph order) and its dense layer into the baseline Net."""
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    tf_convs = [op for op in model.ops if op.type in ("CONV_2D", "DEPTHWISE_CONV_2D")]
    tf_fc = [op for op in model.ops if op.type == "FULLY_CONNECTED"]
    if len(tf_convs) != len(convs) or len(tf_fc) != 1:
        raise SystemExit(f"{model.path}: {len(tf_convs)} convolutions and {len(tf_fc)} dense layers, the baseline Net "
                         f"has {len(convs)} and 1: not the torch_baseline.py architecture")
    for conv, bn, op in zip(convs, bns, tf_convs):
        w = model.tensors[op.inputs[1]].data
        if w is None or w.dtype != np.float32:
            raise SystemExit(f"{model.path}: op {op.index}: float32 weights expected (give the float model)")
        w = np.transpose(w, (3, 0, 1, 2) if op.type == "DEPTHWISE_CONV_2D" else (0, 3, 1, 2))
        if tuple(w.shape) != tuple(conv.weight.shape) or op.options["activation"] != "RELU6":
            raise SystemExit(f"{model.path}: op {op.index}: weights {w.shape}, activation "
                             f"{op.options['activation']}; the Net has {tuple(conv.weight.shape)} with ReLU6")
        b = model.tensors[op.inputs[2]].data if len(op.inputs) > 2 and op.inputs[2] >= 0 else np.zeros(w.shape[0])
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(w.copy()))
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(b.astype(np.float32)))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
    fc = tf_fc[0]
    with torch.no_grad():
        net.fc.weight.copy_(torch.from_numpy(model.tensors[fc.inputs[1]].data.copy()))
        net.fc.bias.copy_(torch.from_numpy(model.tensors[fc.inputs[2]].data.copy()))
    return net


def tflite_padding_hooks(net):
    """Makes stride-2 convolutions pad as TFLite's SAME does (0 before, 1 after); returns an undo function."""
    undo = []
    for m in net.modules():
        if isinstance(m, nn.Conv2d) and m.stride[0] == 2:
            m.padding = (0, 0)
            h = m.register_forward_pre_hook(lambda mod, x: (F.pad(x[0], (0, 1, 0, 1)),))
            undo.append((m, h))

    def restore():
        for m, h in undo:
            h.remove()
            m.padding = (1, 1)
    return restore


def check_against_liteopt(net, tflite, liteopt):
    """Largest |torch - liteopt| on the conformance tests' deterministic input (element i: 2u-1)."""
    i = np.arange(28 * 28, dtype=np.uint64)
    u = ((i * 2654435761) % 2**32 % 1000).astype(np.float32) / 1000
    x = ((u + 1) / 2).reshape(1, 28, 28, 1).astype(np.float32)  # a [0,1] image
    with tempfile.TemporaryDirectory() as d:
        np.save(os.path.join(d, "x.npy"), x)
        subprocess.run([liteopt, "run", tflite, "-i", os.path.join(d, "x.npy"), "-o", d], check=True,
                       stdout=subprocess.DEVNULL)
        ref = np.load(os.path.join(d, "output_0.npy"))
    restore = tflite_padding_hooks(net)
    with torch.no_grad():
        y = net(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()).numpy()
    restore()
    if tflite_graph.load(tflite).ops[-1].type == "SOFTMAX":  # the Net ends with the logits
        y = torch.softmax(torch.from_numpy(y), 1).numpy()
    return float(np.abs(ref.reshape(y.shape) - y).max()), float(np.abs(ref).max())


def prepare(args):
    tb = baseline_module(args.notes)
    torch.manual_seed(0)
    model = tflite_graph.load(args.tflite)
    net = load_weights(tb.Net().eval(), model)
    os.makedirs(args.out, exist_ok=True)
    info = {"tflite": os.path.abspath(args.tflite)}
    if args.liteopt:
        diff, scale = check_against_liteopt(net, args.tflite, args.liteopt)
        info["max_abs_diff_vs_liteopt"] = diff
        info["max_abs_output"] = scale
        print(f"torch_peer: same weights as {args.tflite}: max |torch - liteopt| = {diff:.2e} "
              f"(outputs up to {scale:.2f})", file=sys.stderr)
    net = net.to(memory_format=torch.channels_last)
    example = torch.zeros(1, 1, 28, 28).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        torch.jit.trace(net, example, check_trace=False).save(os.path.join(args.out, "float.pt"))

    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = "onednn"
    x, _ = tb.load_split("train")
    x = x[:args.calibration] * tb.STD + tb.MEAN  # undo the baseline's standardization: liteopt's input is [0,1]
    prepared = prepare_fx(net, get_default_qconfig_mapping("onednn"), example_inputs=(example,))
    with torch.no_grad():
        for i in range(0, len(x), 100):
            prepared(x[i:i + 100].contiguous(memory_format=torch.channels_last))
    q = convert_fx(prepared)
    with torch.no_grad():
        torch.jit.trace(q, example, check_trace=False).save(os.path.join(args.out, "int8.pt"))
    info["calibration_images"] = len(x)
    with open(os.path.join(args.out, "info.json"), "w") as f:
        json.dump(info, f, indent=1)


def bench(args):
    torch.set_num_threads(args.threads)
    int8 = "int8" in os.path.basename(args.model)
    torch.backends.quantized.engine = "onednn"
    t0 = time.perf_counter()
    m = torch.jit.load(args.model).eval()
    if not int8:
        m = torch.jit.optimize_for_inference(torch.jit.freeze(m))
    x = torch.rand(1, 1, 28, 28).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        m(x)
        init_ms = (time.perf_counter() - t0) * 1e3
        for _ in range(args.warmup):
            m(x)
        wall, cpu = [], []
        for _ in range(args.runs):
            c0 = time.process_time()
            w0 = time.perf_counter()
            m(x)
            w1 = time.perf_counter()
            cpu.append((time.process_time() - c0) * 1e3)
            wall.append((w1 - w0) * 1e3)
    s = sorted(wall)
    print(json.dumps({"model": args.model, "runtime": f"torch {torch.__version__} "
                      f"({'int8 FX PTQ, onednn' if int8 else 'float, frozen TorchScript + optimize_for_inference'})",
                      "threads": args.threads, "threads_used": torch.get_num_threads(), "init_ms": init_ms,
                      "latency_ms": {"min": s[0], "median": float(np.median(wall)), "p90": s[int(np.ceil(0.9 * len(s))) - 1],
                                     "max": s[-1]},
                      "cpu_ms": {"median": float(np.median(cpu))}}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--tflite", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--liteopt", help="check the weights against `liteopt run`")
    p.add_argument("--calibration", type=int, default=1000)
    p.add_argument("--notes", default=os.path.join(HERE, "..", "..", "shared", "notes"))
    b = sub.add_parser("bench")
    b.add_argument("model")
    b.add_argument("--threads", type=int, default=1)
    b.add_argument("--warmup", type=int, default=20)
    b.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    prepare(args) if args.cmd == "prepare" else bench(args)


if __name__ == "__main__":
    main()
