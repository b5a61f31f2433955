def bubble(a):
    a = list(a)
    for i in range(len(a)):
        for j in range(len(a) - 1 - i):
            if a[j] > a[j + 1]:
                a[j], a[j + 1] = a[j + 1], a[j]
    return a
print(bubble([5, 2, 9, 1, 5, 6]))
# ----
def qsort(a):
    if len(a) <= 1:
        return a
    p = a[0]
    return qsort([x for x in a[1:] if x < p]) + [p] + qsort([x for x in a[1:] if x >= p])
print(qsort([3, 6, 1, 8, 2, 9, 2]))
# ----
def merge_sort(a):
    if len(a) < 2:
        return a
    m = len(a) // 2
    l, r = merge_sort(a[:m]), merge_sort(a[m:])
    out = []
    i = j = 0
    while i < len(l) and j < len(r):
        if l[i] <= r[j]:
            out.append(l[i]); i += 1
        else:
            out.append(r[j]); j += 1
    return out + l[i:] + r[j:]
print(merge_sort([38, 27, 43, 3, 9, 82, 10]))
# ----
def bsearch(a, t):
    lo, hi = 0, len(a) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if a[mid] == t:
            return mid
        if a[mid] < t:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1
a = list(range(0, 100, 3))
print(bsearch(a, 27), bsearch(a, 28))
# ----
def is_prime(n):
    if n < 2:
        return False
    i = 2
    while i * i <= n:
        if n % i == 0:
            return False
        i += 1
    return True
print([n for n in range(100) if is_prime(n)][-5:], is_prime(1000003))
# ----
def fib_iter(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
print(fib_iter(100), fib_iter(300))
# ----
def collatz_len(n):
    c = 1
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        c += 1
    return c
best = max(range(1, 3000), key=collatz_len)
print(best, collatz_len(best))
# ----
def to_base(n, b):
    digits = '0123456789ABCDEF'
    if n == 0:
        return '0'
    s = ''
    while n:
        s = digits[n % b] + s
        n //= b
    return s
print(to_base(255, 2), to_base(255, 16), to_base(12345, 7))
# ----
grid = ['#..#', '.##.', '#..#']
print(sum(row.count('#') for row in grid), [''.join(r) for r in zip(*grid)])
# ----
def lcs(a, b):
    dp = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            dp[i][j] = dp[i-1][j-1] + 1 if a[i-1] == b[j-1] else max(dp[i-1][j], dp[i][j-1])
    return dp[-1][-1]
print(lcs('ABCBDAB', 'BDCABA'))
# ----
def edit(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
print(edit('kitten', 'sitting'), edit('', 'abc'))
# ----
def perms(s):
    if len(s) <= 1:
        return [s]
    return [c + p for i, c in enumerate(s) for p in perms(s[:i] + s[i+1:])]
print(perms('abc'), len(perms('abcde')))
# ----
def subsets(items):
    res = [[]]
    for x in items:
        res += [r + [x] for r in res]
    return res
print(subsets([1, 2, 3]))
# ----
graph = {'A': ['B', 'C'], 'B': ['D'], 'C': ['D', 'E'], 'D': ['F'], 'E': ['F'], 'F': []}
def bfs(start, goal):
    queue = [[start]]
    seen = {start}
    while queue:
        path = queue.pop(0)
        node = path[-1]
        if node == goal:
            return path
        for nxt in graph[node]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(path + [nxt])
print(bfs('A', 'F'))
# ----
def dfs(node, seen=None):
    seen = seen if seen is not None else []
    seen.append(node)
    for n in graph_d[node]:
        if n not in seen:
            dfs(n, seen)
    return seen
graph_d = {1: [2, 3], 2: [4], 3: [4], 4: []}
print(dfs(1))
# ----
text = 'the cat and the hat and the bat'
freq = {}
for w in text.split():
    freq[w] = freq.get(w, 0) + 1
top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))
print(top[:3])
# ----
def roman(n):
    vals = [(1000, 'M'), (900, 'CM'), (500, 'D'), (400, 'CD'), (100, 'C'), (90, 'XC'), (50, 'L'), (40, 'XL'), (10, 'X'), (9, 'IX'), (5, 'V'), (4, 'IV'), (1, 'I')]
    out = ''
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out
print(roman(1994), roman(2024), roman(3999))
# ----
def caesar(s, k):
    return ''.join(chr((ord(c) - 97 + k) % 26 + 97) if c.islower() else c for c in s)
print(caesar('hello world', 3), caesar(caesar('abc xyz', 5), -5))
# ----
def is_anagram(a, b):
    return sorted(a.replace(' ', '').lower()) == sorted(b.replace(' ', '').lower())
print(is_anagram('Listen', 'Silent'), is_anagram('abc', 'abd'))
# ----
def digits_sum(n):
    return sum(int(c) for c in str(abs(n)))
print(digits_sum(987654321), digits_sum(-505), digits_sum(2 ** 200))
# ----
amount = 1000.0
for year in range(1, 4):
    amount *= 1.05
    print(year, round(amount, 2), f'{amount:.2f}')
# ----
prices = [10.5, 20.25, 3.75]
qty = [2, 1, 4]
total = sum(p * q for p, q in zip(prices, qty))
print(total, round(total * 1.08, 2), f'{total:,.2f}')
# ----
temps_c = [0, 37, 100, -40]
print([c * 9 / 5 + 32 for c in temps_c])
# ----
def mean(xs):
    return sum(xs) / len(xs)
def stdev(xs):
    m = mean(xs)
    return (sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) ** 0.5
data = [2, 4, 4, 4, 5, 5, 7, 9]
print(mean(data), stdev(data), sorted(data)[len(data) // 2])
# ----
def matmul(a, b):
    return [[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a]
print(matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]]))
# ----
def power_set_count(n):
    return 2 ** n
print(power_set_count(64), 2 ** 64 - 1, (2 ** 64 - 1).bit_length())
# ----
n = 600851475143
f = 2
factors = []
while f * f <= n:
    while n % f == 0:
        factors.append(f)
        n //= f
    f += 1
if n > 1:
    factors.append(n)
print(factors)
# ----
def pascal(n):
    rows = [[1]]
    for _ in range(n - 1):
        prev = rows[-1]
        rows.append([1] + [prev[i] + prev[i + 1] for i in range(len(prev) - 1)] + [1])
    return rows
for r in pascal(6):
    print(r)
# ----
s = 'A man, a plan, a canal: Panama'
clean = ''.join(c.lower() for c in s if c.isalnum())
print(clean == clean[::-1], clean)
# ----
def two_sum(nums, target):
    seen = {}
    for i, n in enumerate(nums):
        if target - n in seen:
            return [seen[target - n], i]
        seen[n] = i
print(two_sum([2, 7, 11, 15], 9), two_sum([3, 2, 4], 6))
# ----
intervals = [(1, 3), (2, 6), (8, 10), (15, 18), (17, 20)]
merged = []
for s, e in sorted(intervals):
    if merged and s <= merged[-1][1]:
        merged[-1] = (merged[-1][0], max(merged[-1][1], e))
    else:
        merged.append((s, e))
print(merged)
# ----
print(sum(1 / n ** 2 for n in range(1, 1001)), 3.14159 ** 2 / 6)
# ----
x = 2.0
for _ in range(6):
    x = x - (x * x - 2) / (2 * x)
print(x, x * x)
