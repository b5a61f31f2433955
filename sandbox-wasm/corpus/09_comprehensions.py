print([x * x for x in range(6)], [x for x in range(20) if x % 3 == 0], [(x, y) for x in range(3) for y in range(x)])
# ----
print({x: x ** 2 for x in range(4)}, {c for c in 'hello'} == set('helo'), {k: v for k, v in zip('abc', range(3)) if v})
# ----
gen = (x * 2 for x in range(4))
print(next(gen), next(gen), list(gen), list(gen))
# ----
print(sum(x for x in range(1, 100001)))
# ----
print(sum(i * i for i in range(10) if i % 2), max(len(w) for w in ['a', 'abc', 'ab']), min(x % 7 for x in range(20, 30)))
# ----
print(any(c.isdigit() for c in 'abc1'), all(x > 0 for x in [1, 2, -1]), sorted(x % 5 for x in range(12)))
# ----
matrix = [[i * 3 + j for j in range(3)] for i in range(3)]
print(matrix, [row[::-1] for row in matrix], [[row[i] for row in matrix] for i in range(3)])
# ----
words = ['apple', 'bat', 'cherry']
print({w: len(w) for w in words}, [w.upper() for w in words if len(w) > 3], [len(w) for w in words])
# ----
x = 'outer'
res = [x for x in range(3)]
print(x, res)
# ----
print([i if i % 2 else -i for i in range(6)], [(lambda v: v + 1)(i) for i in range(3)])
# ----
pts = [(x, y) for x in range(-2, 3) for y in range(-2, 3) if x * x + y * y <= 2]
print(len(pts), pts[:4])
# ----
print([[0] * 2 for _ in range(2)], [c * n for c, n in zip('ab', [2, 3])])
# ----
it = iter([1, 2, 3])
print(next(it), list(it), next(it, 'done'))
# ----
it = iter([])
next(it)
# ----
e = enumerate(['a', 'b'], start=10)
print(list(e), list(enumerate('xy')))
# ----
z = zip('ab', [1, 2])
print(dict(z), list(zip()), list(zip('abc', range(10))))
# ----
m = map(int, ['1', '2', 'x'])
print(next(m), next(m))
next(m)
# ----
print(list(filter(lambda n: n % 2 == 0, range(10))), list(filter(str.isupper, 'aBcDe')))
# ----
squares = {n: n * n for n in range(1, 6)}
print(sum(squares.values()), [k for k, v in squares.items() if v > 5])
# ----
def gen_primes(limit):
    sieve = [True] * (limit + 1)
    sieve[0] = sieve[1] = False
    for i in range(2, int(limit ** 0.5) + 1):
        if sieve[i]:
            for j in range(i * i, limit + 1, i):
                sieve[j] = False
    return [i for i, p in enumerate(sieve) if p]
print(gen_primes(60), len(gen_primes(10000)))
# ----
nested = [[1, [2, 3]], [4], [[5]]]
def flatten(l):
    out = []
    for item in l:
        if isinstance(item, list):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out
print(flatten(nested))
# ----
print(list(reversed(range(5))), list(reversed([1, 2, 3])), ''.join(reversed('abc')), list(reversed((1, 2))))
# ----
print(sorted(range(10), key=lambda x: (x % 3, -x)))
# ----
g = (i for i in range(3))
print(sum(g), sum(g))
# ----
print(tuple(x for x in 'ab'), set(x % 2 for x in range(5)), dict((i, str(i)) for i in range(3)))
# ----
print([y for x in [[1, 2], [3, 4]] for y in x if y % 2 == 1])
# ----
total = sum(int(d) for d in str(2 ** 100))
print(total)
# ----
print([n for n in range(2, 30) if all(n % d for d in range(2, n))])
# ----
print([a for a in range(5)][::-1], list(range(10))[2::3])
