class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y
    def dist2(self):
        return self.x ** 2 + self.y ** 2
    def __repr__(self):
        return f'Point({self.x}, {self.y})'
p = Point(3, 4)
print(p, p.dist2(), p.x, [Point(0, 1)])
# ----
class Animal:
    def __init__(self, name):
        self.name = name
    def speak(self):
        return '...'
    def describe(self):
        return f'{self.name} says {self.speak()}'
class Dog(Animal):
    def speak(self):
        return 'woof'
class Puppy(Dog):
    def __init__(self, name, age):
        super().__init__(name)
        self.age = age
print(Dog('rex').describe(), Puppy('bit', 1).describe(), Puppy('b', 2).age, isinstance(Puppy('c', 1), Animal))
# ----
class Counter:
    count = 0
    def __init__(self):
        Counter.count += 1
for _ in range(3):
    Counter()
print(Counter.count)
# ----
class Vec:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)
    def __mul__(self, k):
        return Vec(self.x * k, self.y * k)
    def __eq__(self, o):
        return self.x == o.x and self.y == o.y
    def __str__(self):
        return f'<{self.x}, {self.y}>'
v = Vec(1, 2) + Vec(3, 4)
print(v, v * 2, v == Vec(4, 6), v != Vec(0, 0))
# ----
class Stack:
    def __init__(self):
        self.items = []
    def push(self, x):
        self.items.append(x)
    def pop(self):
        if not self.items:
            raise IndexError('pop from empty stack')
        return self.items.pop()
    def __len__(self):
        return len(self.items)
s = Stack()
s.push(1); s.push(2)
print(s.pop(), len(s), bool(s))
s.pop()
s.pop()
# ----
class Temp:
    def __init__(self, c):
        self.c = c
    def __lt__(self, o):
        return self.c < o.c
    def __repr__(self):
        return f'T{self.c}'
print(sorted([Temp(30), Temp(10), Temp(20)]), max([Temp(1), Temp(5)]), Temp(1) < Temp(2))
# ----
class A:
    def hello(self):
        return 'A'
class B(A):
    def hello(self):
        return 'B>' + super().hello()
class C(B):
    def hello(self):
        return 'C>' + super().hello()
print(C().hello())
# ----
class Bank:
    def __init__(self, balance=0):
        self.balance = balance
    def withdraw(self, amt):
        if amt > self.balance:
            raise ValueError('insufficient funds')
        self.balance -= amt
        return self.balance
b = Bank(100)
print(b.withdraw(30))
b.withdraw(500)
# ----
class P:
    pass
p = P()
p.x = 5
print(p.x, hasattr(p, 'x'), hasattr(p, 'y'), getattr(p, 'y', 'default'))
print(p.y)
# ----
class Grid:
    def __init__(self):
        self.cells = {}
    def __getitem__(self, k):
        return self.cells.get(k, 0)
    def __setitem__(self, k, v):
        self.cells[k] = v
    def __contains__(self, k):
        return k in self.cells
g = Grid()
g[1, 2] = 5
print(g[1, 2], g[0, 0], (1, 2) in g, (3, 3) in g)
# ----
class Shape:
    def area(self):
        raise NotImplementedError('subclass must implement')
class Sq(Shape):
    def __init__(self, s):
        self.s = s
    def area(self):
        return self.s ** 2
shapes = [Sq(2), Sq(3)]
print(sum(s.area() for s in shapes))
Shape().area()
# ----
class Node:
    def __init__(self, val, nxt=None):
        self.val, self.next = val, nxt
head = Node(1, Node(2, Node(3)))
vals = []
while head:
    vals.append(head.val)
    head = head.next
print(vals)
# ----
class Box:
    def __init__(self, v):
        self.v = v
print(Box(1) == Box(1), type(Box(1)).__name__, isinstance(Box(2), Box), Box.__name__)
# ----
class NoInit:
    pass
NoInit(5)
# ----
class Acc:
    def __init__(self):
        self.total = 0
    def add(self, n):
        self.total += n
        return self
print(Acc().add(1).add(2).add(3).total)
# ----
class Range3:
    def __init__(self):
        self.i = 0
    def __iter__(self):
        return self
    def __next__(self):
        if self.i >= 3:
            raise StopIteration
        self.i += 1
        return self.i
print(list(Range3()), [x * 10 for x in Range3()])
# ----
class Money:
    def __init__(self, cents):
        self.cents = cents
    def __str__(self):
        return f'${self.cents / 100:.2f}'
    def __repr__(self):
        return f'Money({self.cents})'
m = Money(1234)
print(m, str(m), repr(m), [m], f'{m}')
# ----
class Emp:
    raise_pct = 1.05
    def __init__(self, pay):
        self.pay = pay
    def bump(self):
        self.pay = int(self.pay * self.raise_pct)
e = Emp(1000)
e.bump()
print(e.pay, Emp.raise_pct)
# ----
class Sized:
    def __init__(self, n):
        self.n = n
    def __len__(self):
        return self.n
print(len(Sized(4)), bool(Sized(0)), bool(Sized(2)))
