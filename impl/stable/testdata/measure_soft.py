"""Recompute the cases written by TestMeasureSoft with mpmath at 60 digits
(formulas and closed-form derivatives of SPEC.md §2-3) and print the largest
|got - exact| / (|exact| + S), S = (1+pw)(1+γ)(1+|x|) (W = D = 1), for
float64 and float32. All parameters are float32 values, so both paths see
the same numbers."""
import sys
from mpmath import mp, mpf, exp, log1p, expm1

mp.dps = 60
SOFT = ['linear', 'geometric', 'split', 'expce']

def sp(z):
    return log1p(exp(z)) if z < 0 else z + log1p(exp(-z))

def ref(x, y, eps, scope, soft, g, a, pw):
    ys = y * (1 - eps) + eps / 2
    ym = ys if scope == 0 else y
    ap, am = (mpf(1), mpf(1)) if a < 0 else (mpf(a), 1 - mpf(a))
    s, t = 1 / (1 + exp(-x)), 1 / (1 + exp(x))
    spp, spm = sp(x), sp(-x)
    CE = pw * ys * spm + (1 - ys) * spp
    dCE = (1 - ys) * s - pw * ys * t
    at = ap * ym + am * (1 - ym)
    pw_ = lambda b: mpf(1) if g == 0 else b ** g
    if SOFT[soft] == 'linear':
        q = ym * t + (1 - ym) * s
        stq = s if ym == 1 else (t if ym == 0 else s * t / q)
        m = pw_(q)
        return at * m * CE, at * m * (g * (1 - 2 * ym) * stq * CE + dCE)
    if SOFT[soft] == 'geometric':
        m = exp(-g * (ym * spp + (1 - ym) * spm))
        return at * m * CE, at * m * (-g * (ym - t) * CE + dCE)
    if SOFT[soft] == 'expce':
        ce0 = ym * spm + (1 - ym) * spp
        m = pw_(-expm1(-ce0))
        r = -s if ym == 1 else (t if ym == 0 else (s - ym) / expm1(ce0))
        return at * m * CE, at * m * (g * r * CE + dCE)
    pos = ap * pw * ys * pw_(t)
    neg = am * (1 - ys) * pw_(s)
    return pos * spm + neg * spp, -pos * (g * s * spm + t) + neg * (g * t * spp + s)

MAXF32 = (2 - mpf(2)**-23) * mpf(2)**127
MAX32 = (2 - mpf(2)**-24) * mpf(2)**127  # halfway to 2^128: rounds to Inf
worst = {k: (0, None) for k in ('loss', 'grad', 'loss32', 'grad32')}
n = 0
for line in open(sys.argv[1]):
    p = line.split()
    v = [float.fromhex(p[i]) if i not in (3, 4) else int(p[i]) for i in range(len(p))]
    x, y, eps, scope, soft, g, a, pw, lo, gr, lo32, gr32 = v
    rl, rg = ref(mpf(x), mpf(y), mpf(eps), scope, soft, mpf(g), a, mpf(pw))
    S = (1 + pw) * (1 + g) * (1 + abs(x))
    for k, got, want in (('loss', lo, rl), ('grad', gr, rg), ('loss32', lo32, rl), ('grad32', gr32, rg)):
        if k.endswith('32') and abs(want) >= MAX32 and abs(got) >= float(MAXF32) and got * want > 0:
            continue  # the exact value rounds to ±Inf in float32; ±MaxFloat32 (saturated) or ±Inf
        e = float(abs(mpf(got) - want) / (abs(want) + S))
        if e > worst[k][0]:
            worst[k] = (e, line.strip())
    n += 1
print("cases", n)
for k, (e, line) in worst.items():
    print(k, "max rel", e, "at", line)
