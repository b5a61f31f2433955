a = [3, 1, 4, 1, 5, 9, 2, 6]
print(len(a), sorted(a), a[2:5], a[::-1], a[-2:], a.index(4), a.count(1))
# ----
a = [1, 2, 3]
a.append(4); a.extend([5, 6]); a.insert(0, 0); a.insert(-1, 99)
print(a, a.pop(), a.pop(0), a)
# ----
a = [5, 3, 8]
a.remove(3)
a.sort()
print(a)
a.sort(reverse=True)
print(a)
a.reverse()
print(a)
# ----
a = ['banana', 'Apple', 'cherry']
print(sorted(a), sorted(a, key=str.lower), sorted(a, key=len, reverse=True))
# ----
a = [[1, 2], [3, 4]]
b = a.copy()
b[0].append(9)
print(a, b, a is b, a == b)
# ----
a = list(range(10))
a[2:5] = ['x']
print(a)
a[::2] = [0] * len(a[::2])
print(a)
del a[0]
del a[-2:]
print(a)
# ----
a = [1, 2, 3]
print(a + [4], a * 2, [0] * 5, 2 in a, 7 not in a, a == [1, 2, 3], a < [1, 3], [1, 2] < [1, 2, 0])
# ----
m = [[0] * 3 for _ in range(3)]
m[1][1] = 5
print(m)
# ----
a = [1, 2, 3]
a[5]
# ----
a = []
a.pop()
# ----
[1, 2].remove(5)
# ----
print([1, 2].index(7))
# ----
a = [1, 2, 3]
a[10] = 1
# ----
print(sorted([3, 'a']))
# ----
nums = [4, 2, 7, 1]
print(sum(nums) / len(nums), max(nums) - min(nums), sorted(nums)[len(nums) // 2])
# ----
a = [1, 2, 3, 4, 5]
first, *rest = a
*init, last = a
x, *mid, y = a
print(first, rest, init, last, x, mid, y)
# ----
a, b = 1, 2
a, b = b, a
print(a, b)
# ----
(a, b), c = (1, 2), 3
print(a, b, c)
# ----
a, b = [1, 2, 3]
# ----
a, b, c = [1, 2]
# ----
a, b = 5
# ----
stack = []
for c in '(()())':
    if c == '(':
        stack.append(c)
    else:
        stack.pop()
print(len(stack) == 0)
# ----
a = [1, 2, 3]
b = a
b += [4]
print(a, a is b)
# ----
t = (1, 2, 3)
print(t, t[1], t[-1:], len(t), t + (4,), t * 2, (1,), (), tuple([1, 2]), t.count(2), t.index(3))
# ----
t = (1, 2)
t[0] = 5
# ----
print((1, 2) < (1, 3), (1, 2, 3) > (1, 2), max([(1, 'b'), (1, 'a'), (0, 'z')]))
# ----
a = [5, 2, 8, 1]
print(list(reversed(a)), a[::-1] == list(reversed(a)), list(enumerate(a, 1)))
# ----
pairs = [(1, 'one'), (3, 'three'), (2, 'two')]
pairs.sort()
print(pairs, sorted(pairs, key=lambda p: p[1]))
# ----
data = [('a', 3), ('b', 1), ('c', 2), ('d', 1)]
print(sorted(data, key=lambda x: x[1]), sorted(data, key=lambda x: (x[1], x[0]), reverse=True))
# ----
a = [1, 2, 3]
a.clear()
print(a, len(a), bool(a))
# ----
flat = [x for row in [[1, 2], [3], [4, 5, 6]] for x in row]
print(flat)
# ----
print(list(zip([1, 2, 3], 'abc')), list(zip([1, 2], [3, 4], [5, 6])), list(zip([1, 2, 3], [4])))
# ----
print(list(map(str, [1, 2])), list(map(lambda a, b: a + b, [1, 2], [10, 20])), list(filter(None, [0, 1, '', 'a'])))
# ----
print(any([0, 0, 1]), all([1, 1, 0]), any([]), all([]), any(x > 3 for x in [1, 5]))
# ----
a = [3, 1, 2]
b = sorted(a)
print(a, b)
# ----
print([1, [2, [3, [4]]]], [[]] * 2, [None, True, 1.0, 'x'])
# ----
a = [1, 2, 3, 4, 5, 6]
print(a[1:5:2], a[-1:-4:-1], a[::3], a[4:1], a[:-10], a[100:])
# ----
a = list(range(5))
del a[1:4]
print(a)
# ----
a = [1]
a.append(a)
print(len(a))
# ----
a = [0] * 3
a[-1] = 7
print(a, a.count(0))
# ----
rows = [[1, 2, 3], [4, 5, 6]]
print([list(col) for col in zip(*rows)])
# ----
print(sum([[1, 2], [3]], []), [x * 2 for x in range(3)] + [None])
# ----
nums = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
evens = [n for n in nums if n % 2 == 0]
squares = [n ** 2 for n in evens]
print(evens, squares, sum(squares))
# ----
print(list(range(0)), list(range(5, 0, -1)), list(range(0, 10, 3)), list(range(-5, -1)), range(3), range(1, 10, 2))
# ----
r = range(10, 0, -2)
print(len(r), r[1], r[-1], 6 in r, 5 in r, list(r[1:3]), r.start, r.stop, r.step)
# ----
print(range(0, 10, 0))
