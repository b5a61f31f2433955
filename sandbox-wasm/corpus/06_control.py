for i in range(5):
    if i == 3:
        break
    print(i)
else:
    print('no break')
# ----
for i in range(3):
    pass
else:
    print('completed', i)
# ----
i = 0
while i < 10:
    i += 1
    if i % 2 == 0:
        continue
    if i > 7:
        break
    print(i, end=' ')
print()
# ----
n = 0
while n < 3:
    n += 1
else:
    print('while else', n)
# ----
x = 15
if x > 20:
    print('big')
elif x > 10:
    print('medium')
else:
    print('small')
# ----
print('yes' if 5 > 3 else 'no', 'a' if 0 else 'b')
# ----
print(0 or 'default', '' or None, 5 and 6, 0 and 1/0, None or 0 or [] or 'last', not 0, not [1])
# ----
for i, c in enumerate('abc'):
    print(i, c)
# ----
for a, b in zip([1, 2], ['x', 'y']):
    print(a, b)
# ----
for i in range(3):
    for j in range(3):
        if j == 2:
            break
        if i == j:
            continue
        print(i, j)
# ----
total = 0
for n in range(1, 1001):
    if n % 3 == 0 or n % 5 == 0:
        total += n
print(total)
# ----
count = 0
n = 27
while n != 1:
    n = n // 2 if n % 2 == 0 else 3 * n + 1
    count += 1
print(count)
# ----
primes = []
for n in range(2, 50):
    for p in primes:
        if n % p == 0:
            break
    else:
        primes.append(n)
print(primes)
# ----
if (n := 10) > 5:
    print(n)
# ----
data = [1, 2, 3]
while (item := data.pop()) != 1:
    print(item)
# ----
x = 5
assert x == 5
assert x > 10, 'x is too small'
# ----
assert False
# ----
for x in 5:
    pass
# ----
for k, v in {'a': 1, 'b': 2}.items():
    print(k, v, sep='=', end=';')
print()
# ----
print('a', 'b', sep='')
print('c', end='')
print('d')
print(1, 2, 3, sep=' | ')
print()
print(*[1, 2, 3])
# ----
i = 0
while True:
    i += 1
    if i >= 5:
        break
print(i)
# ----
result = []
for i in range(10):
    if i % 2:
        continue
    elif i > 6:
        break
    result.append(i)
print(result)
# ----
x = 10
def f():
    print(x)
f()
# ----
print(undefined_variable)
# ----
def f():
    print(y)
    y = 1
f()
# ----
if True:
    pass
print('after pass')
# ----
matrix = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
for row in matrix:
    print(' '.join(str(v) for v in row))
print(sum(matrix[i][i] for i in range(3)))
# ----
fizz = []
for i in range(1, 16):
    if i % 15 == 0: fizz.append('FizzBuzz')
    elif i % 3 == 0: fizz.append('Fizz')
    elif i % 5 == 0: fizz.append('Buzz')
    else: fizz.append(str(i))
print(' '.join(fizz))
# ----
x = 1; y = 2; z = x + y
print(z)
# ----
a = b = c = 0
a += 1
print(a, b, c)
# ----
del_me = 5
del del_me
print(del_me)
