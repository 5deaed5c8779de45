"""Recompute the cases written by TestMeasure (-stable.measure=N) with
mpmath at 60 significant digits and print the maximum ulp distance of the
element loss and gradient, float64 and float32.

Binary target, x_t = x for y = 1 and -x for y = 0, c = W·α_t·(pw if y = 1):
  loss = c·σ(−x_t)^γ·sp(−x_t)
  grad = (2y−1)·(−c)·σ(−x_t)^γ·[σ(−x_t) + γ·σ(x_t)·sp(−x_t)]
The float32 case uses the float32 parameters (spec §6).
"""
import struct, sys
from mpmath import mp, mpf, exp, log1p

mp.dps = 60

def sp(z):
    return log1p(exp(z)) if z < 0 else z + log1p(exp(-z))

def ref(x, y, g, a, w, pw):
    z = x if y == 1 else -x
    if a < 0:
        at = mpf(1)
    else:
        at = a if y == 1 else 1 - mpf(a)
    c = mpf(w) * at * (pw if y == 1 else 1)
    t = 1 / (1 + exp(z))          # σ(−z)
    s = 1 / (1 + exp(-z))         # σ(z)
    m = t ** g if g != 0 else mpf(1)
    L = sp(-z)
    loss = c * m * L
    grad = -c * m * (t + g * s * L) * (1 if y == 1 else -1)
    return loss, grad

def ord64(f):
    i = struct.unpack('<q', struct.pack('<d', f))[0]
    return -(i & 0x7fffffffffffffff) if i < 0 else i

def ord32(f):
    i = struct.unpack('<i', struct.pack('<f', f))[0]
    return -(i & 0x7fffffff) if i < 0 else i

def to64(v):
    try:
        return float(v)
    except OverflowError:
        return float('inf') if v > 0 else float('-inf')

def to32(v):
    f = to64(v)
    try:
        return struct.unpack('<f', struct.pack('<f', f))[0]
    except OverflowError:
        return float('inf') if f > 0 else float('-inf')

def f32(v):
    return struct.unpack('<f', struct.pack('<f', v))[0]

if len(sys.argv) > 2 and sys.argv[2] == '--golden':
    # Print each case with its exact values rounded to float64 / float32.
    print("# x y gamma alpha(-1: off) weight pos_weight loss grad x32 loss32 grad32")
    print("# exact values: mpmath 1.3.0, mp.dps = 60, rounded once (testdata/measure.py --golden)")
    for line in open(sys.argv[1]):
        p = line.split()
        x, y, g, a, w, pw, lo, gr, x32, lo32, gr32 = [float.fromhex(v) if i != 1 else float(v) for i, v in enumerate(p)]
        rl, rg = ref(mpf(x), y, mpf(g), a, w, pw)
        a32 = f32(a) if a >= 0 else -1.0
        rl32, rg32 = ref(mpf(x32), y, mpf(f32(g)), a32, f32(w), f32(pw))
        print(' '.join(float.hex(v) if i != 1 else str(v) for i, v in enumerate(
            (x, y, g, a, w, pw, to64(rl), to64(rg), x32, to32(rl32), to32(rg32)))))
    sys.exit(0)

worst = {k: (0, None) for k in ('loss', 'grad', 'loss32', 'grad32')}
n = 0
for line in open(sys.argv[1]):
    p = line.split()
    x, y, g, a, w, pw, lo, gr, x32, lo32, gr32 = [float.fromhex(v) if i != 1 else float(v) for i, v in enumerate(p)]
    rl, rg = ref(mpf(x), y, mpf(g), a, w, pw)
    a32 = f32(a) if a >= 0 else -1.0
    rl32, rg32 = ref(mpf(x32), y, mpf(f32(g)), a32, f32(w), f32(pw))
    for k, got, want, o, conv in (('loss', lo, rl, ord64, to64), ('grad', gr, rg, ord64, to64),
                                  ('loss32', lo32, rl32, ord32, to32), ('grad32', gr32, rg32, ord32, to32)):
        d = abs(o(got) - o(conv(want)))
        if d > worst[k][0]:
            worst[k] = (d, line.strip())
    n += 1
print("cases", n)
for k, (d, line) in worst.items():
    print(k, "max ulp", d, "at", line)
