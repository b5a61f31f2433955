def add(a, b=10, *args, **kwargs):
    return a + b + sum(args) + sum(kwargs.values())
print(add(1), add(1, 2), add(1, 2, 3, 4), add(1, x=5, y=6), add(b=1, a=2))
# ----
def f(*args, **kwargs):
    print(args, kwargs)
f()
f(1, 2, k=3)
f(*[1, 2], **{'a': 1})
# ----
def f(a, *, key=None, flag=False):
    return (a, key, flag)
print(f(1), f(1, key=2), f(1, flag=True, key='k'))
# ----
def f(a, b):
    return a - b
print(f(b=1, a=5))
# ----
def f(a, b):
    pass
f(1)
# ----
def f(a, b):
    pass
f(1, 2, 3)
# ----
def f(a):
    pass
f(1, a=2)
# ----
def f(a):
    pass
f(b=2)
# ----
def f(x, y, z):
    pass
f()
# ----
square = lambda x: x * x
print(square(7), (lambda a, b=2: a ** b)(3), list(map(lambda s: s.upper(), ['a', 'b'])))
# ----
def outer():
    count = 0
    def inc():
        nonlocal count
        count += 1
        return count
    return inc
c = outer()
c(); c()
print(c())
# ----
def make_multipliers():
    return [lambda x, i=i: x * i for i in range(4)]
print([m(10) for m in make_multipliers()])
# ----
def make():
    fs = []
    for i in range(3):
        fs.append(lambda: i)
    return fs
print([f() for f in make()])
# ----
counter = 0
def bump():
    global counter
    counter += 1
bump(); bump()
print(counter)
# ----
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print([fib(i) for i in range(15)], fib(20))
# ----
def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)
print(fact(50))
# ----
memo = {}
def fibm(n):
    if n in memo:
        return memo[n]
    r = n if n < 2 else fibm(n - 1) + fibm(n - 2)
    memo[n] = r
    return r
print(fibm(150))
# ----
def gcd(a, b):
    while b:
        a, b = b, a % b
    return a
print(gcd(48, 18), gcd(17, 5), gcd(10**20, 10**15 + 5))
# ----
def hanoi(n, a, b, c, moves):
    if n == 0:
        return
    hanoi(n - 1, a, c, b, moves)
    moves.append((a, c))
    hanoi(n - 1, b, a, c, moves)
m = []
hanoi(5, 'A', 'B', 'C', m)
print(len(m), m[:3])
# ----
def apply(f, *a):
    return f(*a)
print(apply(max, 3, 9, 2), apply(len, 'abc'), apply(lambda: 'none'))
# ----
def compose(f, g):
    return lambda x: f(g(x))
inc_then_double = compose(lambda x: x * 2, lambda x: x + 1)
print(inc_then_double(5))
# ----
def f():
    return
def g():
    pass
print(f(), g())
# ----
def multi():
    return 1, 'two', [3]
a, b, c = multi()
print(a, b, c, multi())
# ----
def deco(fn):
    def wrapper(*a, **k):
        print('calling', fn.__name__)
        return fn(*a, **k)
    return wrapper
@deco
def hello(name):
    return 'hi ' + name
print(hello('bob'))
# ----
def cache(fn):
    store = {}
    def w(n):
        if n not in store:
            store[n] = fn(n)
        return store[n]
    return w
@cache
def slow_fib(n):
    return n if n < 2 else slow_fib(n - 1) + slow_fib(n - 2)
print(slow_fib(80))
# ----
def default_list(x, acc=[]):
    acc.append(x)
    return acc
default_list(1)
print(default_list(2))
# ----
def outer():
    x = 'outer'
    def inner():
        return x
    x = 'changed'
    return inner()
print(outer())
# ----
def a():
    return b()
def b():
    return 'b called'
print(a())
# ----
def rec(n):
    return rec(n + 1)
rec(0)
# ----
def f(n):
    if n == 0:
        raise ValueError('bottom')
    return f(n - 1)
f(5)
# ----
print((lambda *a, **k: (a, k))(1, 2, x=3))
# ----
def kw_only(*, a, b=2):
    return a + b
print(kw_only(a=1))
kw_only(1)
# ----
def f(a, b=2, c=3):
    return a, b, c
print(f(1, c=9), f(*(4, 5)), f(**{'a': 7, 'c': 8}))
# ----
print(len.__name__, (lambda: 0).__name__)
# ----
def is_even(n):
    return n == 0 or is_odd(n - 1)
def is_odd(n):
    return n != 0 and is_even(n - 1)
print(is_even(10), is_odd(7))
# ----
def counter_gen():
    total = 0
    def add(n):
        nonlocal total
        total += n
        return total
    return add
acc = counter_gen()
print([acc(i) for i in range(5)])
# ----
def f(x):
    def g():
        def h():
            return x * 3
        return h()
    return g()
print(f(7))
# ----
x = 'global'
def show():
    x = 'local'
    def inner():
        global x
        return x
    return inner()
print(show())
# ----
def f(a, a2=None, *rest, key, **kw):
    return [a, a2, rest, key, kw]
print(f(1, 2, 3, key=4, z=5))
# ----
def greet(name, greeting='Hello'):
    return f'{greeting}, {name}!'
print(greet('Ann'), greet('Bob', greeting='Hi'), greet(greeting='Yo', name='Cy'))
# ----
nums = [5, 3, 9]
print(sorted(nums, key=lambda n: -n), max(nums, key=lambda n: n % 5), min(['bb', 'a', 'ccc'], key=len))
# ----
f = 5
f()
# ----
def noret(x):
    x + 1
print(noret(1))
