# Reference values for exact_mpmath_test.go, computed with mpmath at mp.dps = 60.
# Regenerate: python3 spec/exact/testdata/mpmath_table.py > /tmp/table.txt
# Each line: soft, gamma, x, y (no α, no smoothing, pw = 1), loss f, derivative f'.
# The formulas are SPEC.md §2-§3, written here independently of the Go code.
from mpmath import mp, mpf, exp, log, expm1, log1p

mp.dps = 60

def sig(x): return 1 / (1 + exp(-x))
def sp(x): return log1p(exp(x)) if x < 0 else x + log1p(exp(-x))

def fmt(v):
    # Values below 1e-400 round to 0 in float64 (and their exponents do not
    # fit a big.Float decimal parse), so they are written as 0.
    return "0" if abs(v) < mpf("1e-400") else mp.nstr(v, 45)

def elem(soft, g, x, y):
    x, y, g = mpf(float(x)), mpf(float(y)), mpf(float(g))  # the float64 values Go sees
    s, t = sig(x), sig(-x)
    spp, spm = sp(x), sp(-x)
    ce = y * spm + (1 - y) * spp
    dce = (1 - y) * s - y * t
    if soft == "split":
        f = y * t**g * spm + (1 - y) * s**g * spp
        df = -y * t**g * (g * s * spm + t) + (1 - y) * s**g * (g * t * spp + s)
        return f, df
    if soft == "linear":
        q = y * t + (1 - y) * s
        r = s if y == 1 else (t if y == 0 else s * t / q)
        m = q**g
        br = g * (1 - 2 * y) * r * ce
    elif soft == "geometric":
        gg = y * spp + (1 - y) * spm
        m = exp(-g * gg)
        br = -g * (y - t) * ce
    else:
        u = -expm1(-ce)
        r = -s if y == 1 else (t if y == 0 else (s - y) / expm1(ce))
        m = u**g
        br = g * r * ce
    return m * ce, m * (br + dce)

import mpmath
print("# mpmath", mpmath.__version__, "dps", mp.dps)
for soft in ["linear", "geometric", "split", "expce"]:
    for g in ["0", "0.5", "2", "5"]:
        for x in ["0.5", "-0.5", "20", "-20", "40", "-40", "100", "-100", "800", "-800", "1e5", "-1e5", "1e300", "-1e300"]:
            for y in ["1", "0", "0.25"]:
                f, df = elem(soft, g, x, y)
                print('{"%s", %s, %s, %s, "%s", "%s"},' % (soft, g, x, y, fmt(f), fmt(df)))
for beta in ["0.9", "0.9999", "1 - 0x1p-52"]:
    for n in ["1", "10", "1e9"]:
        b = mpf(float.fromhex("0x1p-52")) * -1 + 1 if "0x" in beta else mpf(float(beta))
        w = (1 - b) / (-expm1(mpf(n) * log(b)))
        print('{%s, %s, "%s"},' % (beta, n, mp.nstr(w, 45)))
