d = {'a': 1, 'b': 2}
d['c'] = 3
print(d, d['a'], d.get('z'), d.get('z', 0), len(d), 'a' in d, 1 in d)
# ----
d = {'x': 1, 'y': 2, 'z': 3}
print(list(d.keys()), list(d.values()), list(d.items()), d.keys(), d.values(), d.items())
# ----
d = {'a': 1}
print(d['b'])
# ----
d = {1: 'one'}
del d[2]
# ----
d = {'a': 1, 'b': 2}
print(d.pop('a'), d, d.pop('zz', None), d.setdefault('c', 5), d.setdefault('b', 9), d)
# ----
d = {'a': 1}
d.update({'b': 2}, )
d.update([('c', 3)])
d.update(e=5)
print(d)
# ----
d = dict(a=1, b=2)
print(d, dict([('x', 1)]), dict(zip('ab', [1, 2])), dict.fromkeys('ab', 0), dict({'q': 1}, r=2))
# ----
d = {'b': 1, 'a': 2}
for k in d:
    print(k, d[k])
for k, v in sorted(d.items()):
    print(k, v)
# ----
d = {1: 'a', 2: 'b'}
print({v: k for k, v in d.items()}, {k: v for k, v in d.items() if k > 1})
# ----
d = {(1, 2): 'tuple key', 3.0: 'float', True: 'bool'}
print(d[(1, 2)], d[3], d[1])
# ----
d = {[1]: 2}
# ----
d = {'a': 1, 'b': 2}
print(d.popitem(), d, {} == dict(), {'a': 1} == {'a': 1.0})
# ----
d = {'k': [1]}
e = d.copy()
e['k'].append(2)
e['j'] = 0
print(d, e)
# ----
d = {'a': 1, 'b': 2}
print({**d, 'c': 3}, d | {'b': 5})
d |= {'z': 0}
print(d)
# ----
d = {}
for w in 'a b a c b a'.split():
    d[w] = d.get(w, 0) + 1
print(d, max(d, key=d.get), sorted(d, key=lambda k: -d[k]))
# ----
d = {'x': 1}
for k in d:
    d['y'] = 2
# ----
d = {'a': {'b': {'c': 42}}}
print(d['a']['b']['c'], d.get('a', {}).get('b'))
# ----
d = {}
d.popitem()
# ----
print({}.pop('x'))
# ----
s = {3, 1, 2}
s.add(4)
s.discard(10)
s.remove(1)
print(s, len(s), 3 in s, sorted(s))
# ----
a = {1, 2, 3, 4}
b = {3, 4, 5}
print(a | b, a & b, a - b, b - a, a ^ b, a <= b, {3} < a, a.issuperset({1}), a.isdisjoint({9}))
# ----
print(a := {1, 2}, a.union([3]), a.intersection([2, 5]), a.difference({1}), a.symmetric_difference({2, 8}))
# ----
print(set(), set([1, 1, 2]), {x % 3 for x in range(10)}, frozenset([1, 2]), len(set('hello')))
# ----
s = {1, 2}
s.remove(5)
# ----
print({5, 3, 10, 1, 100, 7}, {0, 8, 16}, {-1, -2, 3})
# ----
s = set()
for i in [10, 20, 5, 15, 30, 25]:
    s.add(i)
print(s, list(s))
# ----
print({[1]})
# ----
s = {1, 2, 3}
s.update([4, 5])
s.intersection_update({1, 2, 3, 4})
print(s, s.pop(), s)
# ----
print(sorted({'b', 'a', 'c'}), sorted(set('mississippi')))
# ----
nums = [1, 2, 2, 3, 3, 3]
print(len(set(nums)), sorted(set(nums)), list(dict.fromkeys(nums)))
# ----
inv = {}
for name, grp in [('a', 1), ('b', 2), ('c', 1)]:
    inv.setdefault(grp, []).append(name)
print(inv)
# ----
d = {'one': 1, 'two': 2, 'three': 3}
print(sorted(d.items(), key=lambda kv: kv[1], reverse=True), min(d.values()), sum(d.values()))
# ----
d = {i: i * i for i in range(5)}
del d[2]
print(d, len(d), list(d)[-1])
# ----
print(dict(a=1) == dict([('a', 1)]), {1, 2} == {2, 1}, {1: 2} != {1: 3})
# ----
print('a' in {'a': 1}.keys(), 1 in {'a': 1}.values(), ('a', 1) in {'a': 1}.items(), len({'a': 1}.items()))
