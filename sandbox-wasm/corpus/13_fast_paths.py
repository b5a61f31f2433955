a = [10, 20, 30]
t = (1, 2, 3)
print(a[0], a[-1], a[-3], t[1], t[-1], a[True], t[False])
# ----
a = [1, 2, 3]
print(a[3])
# ----
a = [1, 2, 3]
print(a[-4])
# ----
t = (1, 2)
print(t[2])
# ----
a = [1, 2, 3]
a[-1] = 'x'
a[0] = a
print(len(a), a[1:], a[0] is a)
# ----
a = [1, 2]
a[2] = 5
# ----
d = {1: 'one', 'k': 'v', True: 'T', 2.0: 'two'}
print(d[1], d['k'], d[2], d.get(1), d.get('zz'), d.get('zz', 0), d.get(3, [1]), d.get(2))
# ----
d = {}
d[5] = 1
d['a'] = 2
d[5] += 10
d[True] = 'b'
print(d, d.get(5, 'no'), d.get(1))
# ----
d = {'a': 1}
print(d['b'])
# ----
d = {(1, 2): 'tup'}
print(d[(1, 2)], d.get((1, 2)), d.get([1][0]))
# ----
print(len([]), len([1, 2]), len((1,)), len('héllo'), len({1: 2}), abs(-5), abs(0), abs(7), abs(-2**63), abs(-2**70), abs(True), abs(-2.5))
# ----
print(len(5))
# ----
print(len([1], [2]))
# ----
out = []
for i in range(5):
    out.append(i * i)
out.append(out)
print(len(out), out[:5])
# ----
out = []
out.append()
# ----
class P:
    k = 7
    def __init__(self, x):
        self.x = x
    def get(self):
        return self.x
    def add(self, y, z=1):
        return self.x + y + z
    def name(self):
        return type(self).__name__
p = P(3)
print(p.x, p.k, p.get(), p.add(1), p.add(1, 2), p.add(y=5), p.name())
# ----
class P:
    def get(self):
        return 'method'
p = P()
p.get = lambda: 'instance attr'
print(p.get())
# ----
class A:
    def who(self):
        return 'A'
    def hello(self):
        return 'hello from ' + self.who()
class B(A):
    def who(self):
        return 'B+' + super().who()
    def hello(self):
        return super().hello() + '!'
print(B().hello(), A().hello())
# ----
class P:
    def f(self, a, b):
        return a - b
p = P()
print(p.f(5, 3))
try:
    p.f(1)
except TypeError as e:
    print(type(e).__name__)
# ----
class P:
    def f(self):
        return 1
P().g()
# ----
class P:
    def f(self, x):
        return ('old', x)
def swap():
    P.f = lambda self, x: ('new', x)
    return 0
p = P()
print(p.f(1), p.f(swap()), p.f(2))
# ----
class P:
    pass
p = P()
p.x = 1
print(p.x, p.__class__.__name__)
print(p.y)
# ----
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(15), [fib(i) for i in range(10)])
# ----
def f(x):
    return x * 2
g = f
print(g(4), (lambda y: y + 1)(2), f(*[3]), f(x=5))
# ----
def outer():
    n = 10
    def inner(k):
        return n + k
    return inner(5), inner(n)
print(outer())
# ----
def f():
    print(v)
    v = 1
f()
# ----
print(undefined_name)
# ----
def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)
print(deep(100))
deep(100000)
# ----
x = 46341 * 46341
y = 2147483647 * 2147483647
z = -2147483648 * 2147483648
w = 3037000500 * 3037000500
print(x, y, z, w, 65536 * 65536 * 65536 * 65536)
# ----
print(sum(x for x in range(1000)), sum(x * x for x in range(10) if x % 2), [x for x in range(5) if x > 1])
print(list(x + y for x in range(3) for y in range(2)), {k: k * k for k in range(3)})
# ----
s = 0
for i in range(10):
    if i == 7:
        break
    s += i
else:
    s = -1
print(s, i)
for j in []:
    pass
else:
    print('empty else')
# ----
total = 0
for i in range(3):
    total += i
    total -= 1
    total *= 2
print(total)
x = 1.5
x += 1
x *= 2
s = 'a'
s += 'b'
l = [1]
l += [2]
print(x, s, l)
# ----
n = 0
def bump():
    global n
    n += 1
    return n
bump(); bump()
print(n, bump() if n else 'zero', 'yes' if [] else 'no', 'a' if 0 else 'b')
# ----
b = 7 ** 400
print(b * 0.0 if False else 'big', b > 1.5, (b - b) * 1.5)
print(b * 1.5)
