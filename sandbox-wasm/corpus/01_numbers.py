print(12345 * 67890)
# ----
print(2**64, 2**100 - 1, -2**63)
# ----
print(10**30 // 7, 10**30 % 7, -10**30 // 7, -10**30 % 7)
# ----
print(divmod(-17, 5), divmod(17, -5), divmod(-17, -5))
# ----
print(7 // 2, -7 // 2, 7 % -3, -7 % 3, 7.5 // 2, -7.5 % 2)
# ----
print(0.1 + 0.2, 1/3, 2/3, 1e16, 1e-5, 123456789.0, 1.5e300 * 1e10)
# ----
print(1e15, 1e16, 1.0, -0.0, 100.0, 0.0001, 0.00001, 12345678901234567.0)
# ----
print(3.14159, 2.5e-10, float('inf'), -float('inf'), float('nan'))
# ----
print(10 / 4, 10 / 5, -9 / 4, 2 ** -1, 2 ** 0.5)
# ----
print(int('123'), int('-0042'), int(' 7 '), int('ff', 16), int('0x1f', 0), int('1010', 2), int(3.99), int(-3.99))
# ----
print(float('1.5'), float('  -2e3 '), float(7), float('inf'))
# ----
print(abs(-5), abs(3.5), abs(-2**70), round(2.5), round(3.5), round(-2.5), round(0.125, 2), round(2.675, 2))
# ----
print(round(1234.5678, -2), round(1250, -2), round(1350, -2), round(7), round(1.23456, 3))
# ----
print(pow(2, 10), pow(2, 100, 1000), pow(3, 200, 13), pow(2.0, 3), pow(-2, 3))
# ----
print(hex(255), hex(-255), bin(10), oct(64), hex(2**70))
# ----
print(1 << 70, 2**70 >> 3, -1 >> 5, 5 & 3, 5 | 3, 5 ^ 3, ~5, -5 & 0xff)
# ----
print((2**100) & (2**100 - 1), (-2**80) | 1, (2**65) ^ (2**64))
# ----
print(True + True, True * 10, False - 1, True / 2, True & False, True | False)
# ----
print(int(True), bool(0), bool(0.0), bool(''), bool('a'), bool([]), bool([0]), bool(None))
# ----
import math
print(math.factorial(30))
# ----
import math
print(math.factorial(100))
# ----
x = 1
for i in range(1, 51):
    x *= i
print(x, len(str(x)))
# ----
print(sum(range(1, 101)), sum([1.5, 2.5]), sum([[1], [2]], []))
# ----
print(max(3, 1, 4), min([5, 2, 8]), max('abc'), min((3, 'a'), (1, 'b')))
# ----
print(7 == 7.0, 1 == True, 0.1 + 0.2 == 0.3, 2**53 + 1 == float(2**53 + 1), 3 < 3.5)
# ----
print(1 < 2 < 3, 3 > 2 > 2, 1 == 1 != 2, 5 > 3 >= 3)
# ----
a = 10**20
b = 10**20
print(a == b, a - b, a * b, a // 3, a % 7, -a)
# ----
print(123456789 ** 3, (-3) ** 41)
# ----
print(17 ** 0, 0 ** 0, 0 ** 5, (-1) ** 1001, 2 ** 62, 2 ** 63, -(2 ** 63))
# ----
print(9223372036854775807 + 1, -9223372036854775808 - 1, 9223372036854775807 * 2)
# ----
print(3037000500 * 3037000500, 4611686018427387904 * 2)
# ----
print(1e308 * 10, -1e308 * 10, 5e-324, 5e-324 / 2)
# ----
print(float(2**1023) , 2**1000 / 2**990, 10**50 / 10**48)
# ----
print(0.1 * 3, 1.1 * 1.1, 100 * 1.1, 3 * 0.1 == 0.3)
# ----
print(round(0.5), round(1.5), round(-0.5), round(2.5, 0), round(-1.5))
# ----
print(1.0 / 3 * 3, 2.0 ** 10, 10 ** -2, 7.0 % 2.5, -7.0 // 2.0)
# ----
print(int(1e20), int(-1.5e10), int('1_000_000'), 1_000_000)
# ----
print(float('0.1') + float('0.7'), 0.1 + 0.7, 1 - 0.9)
# ----
print(123.456e5, 1.23456789012345678, 0.000123, 1234567890123456.7)
# ----
print(divmod(7.5, 2), divmod(-7.5, 2), 2**0.5 * 2**0.5)
# ----
n = 0
for i in range(100000):
    n += i * i
print(n)
# ----
print(1 / 0)
# ----
print(5 % 0)
# ----
print(5 // 0)
# ----
print(5.0 / 0)
# ----
print(int('abc'))
# ----
print(float('x1'))
# ----
print(int('12', 1))
# ----
print(1 + 'a')
# ----
print('a' - 1)
# ----
print(-'a')
# ----
print(2 ** -1 ** 2, -2 ** 2, (-2) ** 2)
# ----
print(int(float('inf')))
# ----
x = 5
x += 3; x -= 1; x *= 2; x //= 3; x **= 2; x %= 7
print(x)
# ----
y = 2.5
y /= 2
y += 1
print(y)
# ----
print(isinstance(5, int), isinstance(True, int), isinstance(5.0, int), isinstance(5, (float, int)), isinstance('a', str))
# ----
print(type(5), type(5.0), type('s'), type([]), type(None), type(True), type({}), type(()), type(set()))
# ----
print((5).bit_length(), (255).bit_length(), (2**100).bit_length(), (3.0).is_integer(), (3.5).is_integer())
# ----
print(chr(65), chr(955), ord('a'), ord('€'))
# ----
print(hash(5), hash(-1), hash(True))
# ----
print(complex_number := 5)
