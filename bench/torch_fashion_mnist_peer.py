#!/usr/bin/python3
"""PyTorch eager peer of `liteopt train --arch mobilenet_v2` on Fashion-MNIST (bench/train_fashion_mnist.sh).

Float training exactly as ../shared/notes/torch_baseline.py does it (its Net, data loading, training loop and
evaluation are imported from there): Adam + OneCycleLR (pct_start 0.2), channels_last, no augmentation, all
60,000 training images, test accuracy on the 10,000 test images. Prints one JSON line on stdout.
Run with Debian's interpreter: /usr/bin/python3 (python3-torch).
"""
import argparse, json, os, sys, time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "notes"))
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N training images only")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.notes))
    import torch_baseline as tb

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    xtr, ytr = tb.load_split("train")
    xte, yte = tb.load_split("test")
    if args.limit:
        xtr, ytr = xtr[:args.limit].contiguous(), ytr[:args.limit].contiguous()
    model = tb.Net().to(memory_format=torch.channels_last)
    steps = args.epochs * (len(xtr) // args.bs)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.2)
    log = lambda *a: print(*a, file=sys.stderr, flush=True)
    cpu0 = time.process_time()
    epochs, secs = tb.train_epochs(model, xtr, ytr, args.epochs, args.bs, opt, sched, log=log)
    cpu = time.process_time() - cpu0
    t0 = time.time()
    acc = tb.evaluate(model, xte, yte)
    print(json.dumps({"peer": f"pytorch {torch.__version__} eager", "threads": args.threads, "epochs": epochs,
                      "batch": args.bs, "params": sum(p.numel() for p in model.parameters()),
                      "train_seconds": round(secs, 1),
                      "train_img_per_s": round(epochs * (len(xtr) // args.bs) * args.bs / secs, 1),
                      "train_cpu_seconds": round(cpu, 1),
                      "train_img_per_cpu_s": round(epochs * (len(xtr) // args.bs) * args.bs / cpu, 1),
                      "test_acc": acc, "eval_seconds": round(time.time() - t0, 1)}))


if __name__ == "__main__":
    main()
