"""A line-by-line port of Torch7's optim/cg.lua (Koray Kavukcuoglu, 2012) in plain Python floats,
with Lua's semantics kept where they matter: `if ls_failed` is true for 0 as for 1 (Lua's only
false values are nil and false), and m = min(maxIter, maxEval - i) may be fractional, so that
`m == 0` may never hold. Used by test/optim-methods.test.ts as the reference for optim.cg.

Usage: cg_lua_port.py '<json: {"x": [...], "config": {...}, "calls": n}>'
Prints JSON: one {"x", "fx", "evaluations"} per call, on Rosenbrock's n-dimensional function.
"""
import json
import math
import sys


def rosenbrock(x):
    f = sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))
    g = [0.0] * len(x)
    for i in range(len(x) - 1):
        g[i] += -400 * x[i] * (x[i + 1] - x[i] ** 2) - 2 * (1 - x[i])
        g[i + 1] += 200 * (x[i + 1] - x[i] ** 2)
    return f, g


def lua_sqrt(v):  # Lua's math.sqrt: NaN for a negative number, where Python raises
    return math.sqrt(v) if v >= 0 else float('nan')


def div(a, b):  # Lua's division: IEEE (inf or NaN) for a zero divisor, where Python raises
    if b != 0:
        return a / b
    return float('nan') if a == 0 or a != a else math.copysign(math.inf, a) * math.copysign(1, b)


def dot(a, b):
    return sum(u * v for u, v in zip(a, b))


def add(x, a, s):  # x:add(a, s), in place
    for k in range(len(x)):
        x[k] += a * s[k]


def cg(opfunc, x, config):
    rho = config.get('rho', 0.01)
    sig = config.get('sig', 0.5)
    int_ = config.get('int', 0.1)
    ext = config.get('ext', 3.0)
    maxIter = config.get('maxIter', 20)
    ratio = config.get('ratio', 100)
    maxEval = config.get('maxEval', maxIter * 1.25)
    red = 1
    i = 0
    ls_failed = 0
    fx = []
    f1, tdf = opfunc(x)
    fx.append(f1)
    df1 = list(tdf)
    i = i + 1
    s = [-v for v in df1]
    d1 = -dot(s, s)
    z1 = div(red, 1 - d1)
    while i < abs(maxEval):
        x0 = list(x)
        f0 = f1
        df0 = list(df1)
        add(x, z1, s)
        f2, tdf = opfunc(x)
        df2 = list(tdf)
        i = i + 1
        d2 = dot(df2, s)
        f3, d3, z3 = f1, d1, -z1
        m = min(maxIter, maxEval - i)
        success = 0
        limit = -1
        while True:
            while (f2 > f1 + z1 * rho * d1 or d2 > -sig * d1) and m > 0:
                limit = z1
                if f2 > f1:
                    z2 = z3 - div(0.5 * d3 * z3 * z3, d3 * z3 + f2 - f3)
                else:
                    A = div(6 * (f2 - f3), z3) + 3 * (d2 + d3)
                    B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
                    z2 = div(lua_sqrt(B * B - A * d2 * z3 * z3) - B, A)
                if z2 != z2 or math.isinf(z2):
                    z2 = z3 / 2
                z2 = max(min(z2, int_ * z3), (1 - int_) * z3)
                z1 = z1 + z2
                add(x, z2, s)
                f2, tdf = opfunc(x)
                df2 = list(tdf)
                i = i + 1
                m = m - 1
                d2 = dot(df2, s)
                z3 = z3 - z2
            if f2 > f1 + z1 * rho * d1 or d2 > -sig * d1:
                break
            elif d2 > sig * d1:
                success = 1
                break
            elif m == 0:
                break
            A = div(6 * (f2 - f3), z3) + 3 * (d2 + d3)
            B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
            z2 = div(-d2 * z3 * z3, B + lua_sqrt(B * B - A * d2 * z3 * z3))
            if z2 != z2 or math.isinf(z2) or z2 < 0:
                if limit < -0.5:
                    z2 = z1 * (ext - 1)
                else:
                    z2 = (limit - z1) / 2
            elif (limit > -0.5) and (z2 + z1) > limit:
                z2 = (limit - z1) / 2
            elif limit < -0.5 and (z2 + z1) > z1 * ext:
                z2 = z1 * (ext - 1)
            elif z2 < -z3 * int_:
                z2 = -z3 * int_
            elif limit > -0.5 and z2 < (limit - z1) * (1 - int_):
                z2 = (limit - z1) * (1 - int_)
            f3 = f2; d3 = d2; z3 = -z2
            z1 = z1 + z2
            add(x, z2, s)
            f2, tdf = opfunc(x)
            df2 = list(tdf)
            i = i + 1
            m = m - 1
            d2 = dot(df2, s)
        if success == 1:
            f1 = f2
            fx.append(f1)
            ss = div(dot(df2, df2) - dot(df2, df1), dot(df1, df1))
            s = [v * ss - g for v, g in zip(s, df2)]
            df1, df2 = list(df2), list(df1)
            d2 = dot(df1, s)
            if d2 > 0:
                s = [-v for v in df1]
                d2 = -dot(s, s)
            z1 = z1 * min(ratio, div(d1, d2 - 1e-320))
            d1 = d2
            ls_failed = 0
        else:
            x[:] = x0
            f1 = f0
            df1 = list(df0)
            if ls_failed is not None or i > maxEval:  # Lua: 0 is true
                break
    return x, fx, i


def main():
    spec = json.loads(sys.argv[1])
    x = [float(v) for v in spec['x']]
    out = []
    for _ in range(spec['calls']):
        _, fx, evaluations = cg(rosenbrock, x, spec['config'])
        out.append({'x': list(x), 'fx': fx, 'evaluations': evaluations})
    print(json.dumps(out))


if __name__ == '__main__':
    main()
