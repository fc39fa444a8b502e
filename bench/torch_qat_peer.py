#!/usr/bin/python3
"""PyTorch's post-training quantization and QAT of liteopt's float Fashion-MNIST model (bench/qat_vs_torch.sh).

    torch_qat_peer.py --tflite FLOAT.tflite --data DATA_DIR --calibration CALIB.csv --out RESULT.json
                      [--engines onednn,qnnpack,onednn/x86] [--qat-epochs 1 --qat-batch 32 --qat-lr 1e-4 --qat-steps N]

One float model, both tools quantize it: the float .tflite that `liteopt train --arch mobilenet_v2` wrote is loaded
into ../shared/notes/torch_baseline.py's Net (bench/torch_peer.py's load_weights: folded convolution weights, each
BatchNorm reduced to its bias) with TFLite's SAME padding (stride-2 convolutions pad 0 before, 1 after: an explicit
ZeroPad2d), so the float accuracy equals liteopt's on the same images. The images are the PNG files of the exported
dataset (DATA_DIR/train.csv, test.csv, labels mapped through labels.txt beside the .tflite), scaled to [0,1] as
liteopt's input; the calibration images are exactly the rows of CALIB.csv, the ones liteopt calibrates on.
For each quantized engine of Debian's torch (oneDNN, QNNPACK; no FBGEMM):
  PTQ  FX static int8: prepare_fx with the engine's default qconfig mapping (HistogramObserver activations;
       oneDNN per-channel weights, QNNPACK per-tensor), calibration on CALIB.csv, convert_fx.
  QAT  prepare_qat_fx with the engine's default QAT qconfig mapping from the same float weights; Adam (or SGD with
       momentum 0.9), constant learning rate, --qat-batch, --qat-epochs, shuffled with --seed, last partial batch
       dropped. Batch-norm statistics are frozen from the first step: the .tflite's BatchNorm is folded, there are
       no statistics to learn (batch statistics would replace the trained function), so the QAT net starts as the
       float net, as liteopt's does. Observers are disabled after 80% of the steps (torch_baseline.py's recipe).
QNNPACK gets torch_baseline.py's ReLU6 workaround (its quantized ReLU6 is wrong on channels_last tensors).
An engine given as ENGINE/QCONFIG runs ENGINE with the default qconfig mappings of backend QCONFIG: onednn/x86 is
oneDNN with 7-bit activations (reduce_range, as torch's x86 and fbgemm configs), what oneDNN needs on a CPU without
VNNI, where its u8 x s8 products are summed in pairs into saturating int16 (vpmaddubsw) and 8-bit activations
near the top of their range overflow; torch's onednn default assumes VNNI.
Accuracy: top-1 on every row of DATA_DIR/test.csv. Writes RESULT.json, progress on stderr.
Bench tooling only (Debian's /usr/bin/python3 with python3-torch and PIL), never part of the product.
"""
import argparse, copy, csv, json, os, sys, time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tflite_graph  # noqa: E402
import torch_peer  # noqa: E402


tb = None  # ../shared/notes/torch_baseline.py, imported by main() from --notes


def log(*a):
    print("torch_qat_peer:", *a, file=sys.stderr, flush=True)


def read_csv_images(path, labels):
    """(N,1,28,28) float32 in [0,1] and int64 labels from a liteopt dataset CSV (filename,label)."""
    index = {name: i for i, name in enumerate(labels)}
    root = os.path.dirname(os.path.abspath(path))
    images, ys = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            p = row["filename"] if os.path.isabs(row["filename"]) else os.path.join(root, row["filename"])
            images.append(np.asarray(Image.open(p).convert("L"), dtype=np.uint8))
            ys.append(index[row["label"]])
    x = torch.from_numpy(np.stack(images)).unsqueeze(1).float() / 255.0
    return x, torch.tensor(ys, dtype=torch.int64)


def cached_split(path, labels, cache_dir):
    """read_csv_images, kept as a .pt beside the results so reruns skip decoding 70,000 PNGs."""
    cache = os.path.join(cache_dir, os.path.basename(path) + ".pt")
    if os.path.exists(cache) and os.path.getmtime(cache) > os.path.getmtime(path):
        return torch.load(cache)
    t0 = time.time()
    x, y = read_csv_images(path, labels)
    torch.save((x, y), cache)
    log(f"{path}: {len(y)} images decoded in {time.time() - t0:.1f} s")
    return x, y


def with_tflite_padding(net):
    """Stride-2 convolutions pad as TFLite's SAME does (0 before, 1 after) through an explicit ZeroPad2d, which FX
    traces (forward hooks it would not). The pad stays a float op between dequantize and quantize in torch's int8
    graph: zeros are exact in every scale, so that is the same arithmetic as a quantized pad."""
    for block in net.modules():
        if isinstance(block, nn.Sequential) and len(block) and isinstance(block[0], nn.Conv2d) \
                and block[0].stride[0] == 2:
            block[0].padding = (0, 0)
            block[0] = nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), block[0])
    return net


def cpu_has_vnni():
    """Whether oneDNN can sum u8 x s8 products in int32 (AVX512-VNNI or AVX-VNNI); None off Linux."""
    try:
        flags = next(l for l in open("/proc/cpuinfo") if l.startswith("flags")).split()
    except (OSError, StopIteration):
        return None
    return any("vnni" in f for f in flags)


def cl(x):
    return x.contiguous(memory_format=torch.channels_last)


@torch.no_grad()
def accuracy(model, x, y, bs=500):
    model.eval()
    correct = sum((model(cl(x[i:i + bs])).argmax(1) == y[i:i + bs]).sum().item() for i in range(0, len(x), bs))
    return correct / len(x)


def for_engine(fmodel, spec):
    """The float net for one ENGINE[/QCONFIG] spec (the engine set as torch's quantized engine) and the name of
    the default qconfig mapping to use: the engine's own unless QCONFIG names another backend's."""
    engine, _, qconfig = spec.partition("/")
    torch.backends.quantized.engine = engine
    base = copy.deepcopy(fmodel)
    return (base if engine != "qnnpack" else tb.swap_relu6(base)), qconfig or engine


def ptq(fmodel, spec, xcal, example):
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    base, qconfig = for_engine(fmodel, spec)
    prepared = prepare_fx(base.eval(), get_default_qconfig_mapping(qconfig), example_inputs=(example,))
    with torch.no_grad():
        for i in range(0, len(xcal), 100):
            prepared(cl(xcal[i:i + 100]))
    return convert_fx(prepared)


def qat(fmodel, engine, xtr, ytr, example, args):
    from torch.ao.quantization import disable_observer, get_default_qat_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_qat_fx
    base, qconfig = for_engine(fmodel, engine)
    model = prepare_qat_fx(base.train(), get_default_qat_qconfig_mapping(qconfig), example_inputs=(example,))
    model.apply(torch.nn.intrinsic.qat.freeze_bn_stats)  # torch.ao.nn.intrinsic.qat does not exist in 1.13
    params = model.parameters()
    opt = torch.optim.Adam(params, lr=args.qat_lr) if args.qat_optimizer == "adam" else \
        torch.optim.SGD(params, lr=args.qat_lr, momentum=0.9)
    steps_per_epoch = len(xtr) // args.qat_batch
    if args.qat_steps:
        steps_per_epoch = min(steps_per_epoch, args.qat_steps)
    total = args.qat_epochs * steps_per_epoch
    gen = torch.Generator().manual_seed(args.seed)
    step, t0 = 0, time.time()
    for epoch in range(args.qat_epochs):
        perm = torch.randperm(len(xtr), generator=gen)
        loss_sum = 0.0
        for i in range(steps_per_epoch):
            if step == int(0.8 * total):
                model.apply(disable_observer)
            idx = perm[i * args.qat_batch:(i + 1) * args.qat_batch]
            loss = nn.functional.cross_entropy(model(cl(xtr[idx])), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            step += 1
            if step % 200 == 0:
                log(f"  {engine} QAT epoch {epoch + 1} step {i + 1}/{steps_per_epoch}: loss {loss_sum / (i + 1):.4f}, "
                    f"{step * args.qat_batch / (time.time() - t0):.0f} images/s")
    seconds = time.time() - t0
    return convert_fx(copy.deepcopy(model).eval()), model, {"steps": step, "seconds": round(seconds, 1),
                                                           "images": step * args.qat_batch}


def main():
    global tb
    ap = argparse.ArgumentParser()
    ap.add_argument("--tflite", required=True, help="liteopt's float model (`liteopt train --arch mobilenet_v2`)")
    ap.add_argument("--labels", help="class names in output order (default: labels.txt beside --tflite)")
    ap.add_argument("--data", required=True, help="folder of `liteopt data fashion-mnist` (train.csv, test.csv)")
    ap.add_argument("--calibration", required=True, help="CSV of the calibration images (the ones liteopt uses)")
    ap.add_argument("--out", required=True, help="result JSON")
    ap.add_argument("--engines", default="onednn,qnnpack,onednn/x86", help="ENGINE[/QCONFIG],...")
    ap.add_argument("--qat-epochs", type=int, default=1)
    ap.add_argument("--qat-batch", type=int, default=32)
    ap.add_argument("--qat-lr", type=float, default=1e-4)
    ap.add_argument("--qat-optimizer", choices=["adam", "sgd"], default="adam")
    ap.add_argument("--qat-steps", type=int, default=0, help="batches per QAT epoch (0: the whole training set)")
    ap.add_argument("--skip-qat", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--notes", default=os.path.join(HERE, "..", "..", "shared", "notes"))
    args = ap.parse_args()
    tb = torch_peer.baseline_module(args.notes)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    labels_path = args.labels or os.path.join(os.path.dirname(os.path.abspath(args.tflite)), "labels.txt")
    labels = [l.strip() for l in open(labels_path) if l.strip()]
    cache_dir = os.path.dirname(os.path.abspath(args.out))
    xte, yte = cached_split(os.path.join(args.data, "test.csv"), labels, cache_dir)
    xcal, _ = read_csv_images(args.calibration, labels)

    net = torch_peer.load_weights(tb.Net().eval(), tflite_graph.load(args.tflite))
    fmodel = with_tflite_padding(net).to(memory_format=torch.channels_last).eval()
    example = cl(torch.zeros(1, 1, 28, 28))
    res = {"peer": f"pytorch {torch.__version__} FX", "threads": args.threads, "cpu_vnni": cpu_has_vnni(),
           "test_images": len(yte),
           "calibration_images": len(xcal), "float": accuracy(fmodel, xte, yte), "ptq": {}, "qat": {}}
    log(f"float (liteopt's weights): {res['float'] * 100:.2f}%")
    for engine in args.engines.split(","):
        t0 = time.time()
        res["ptq"][engine] = accuracy(ptq(fmodel, engine, xcal, example), xte, yte)
        log(f"PTQ {engine}: {res['ptq'][engine] * 100:.2f}% ({time.time() - t0:.1f} s)")
    if not args.skip_qat:
        xtr, ytr = cached_split(os.path.join(args.data, "train.csv"), labels, cache_dir)
        res["qat_settings"] = {"epochs": args.qat_epochs, "batch": args.qat_batch, "lr": args.qat_lr,
                               "optimizer": args.qat_optimizer, "schedule": "constant", "steps_per_epoch":
                               args.qat_steps or len(xtr) // args.qat_batch, "seed": args.seed}
        for engine in args.engines.split(","):
            int8, fake, info = qat(fmodel, engine, xtr, ytr, example, args)
            info["fake_quant"] = accuracy(fake, xte, yte)
            info["int8"] = accuracy(int8, xte, yte)
            res["qat"][engine] = info
            log(f"QAT {engine}: int8 {info['int8'] * 100:.2f}% (fake-quantized {info['fake_quant'] * 100:.2f}%), "
                f"{info['images']} images in {info['seconds']} s")
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
