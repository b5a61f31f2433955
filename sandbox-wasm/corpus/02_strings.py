s = 'Hello, World'
print(s.upper(), s.lower(), s.swapcase(), s.title(), len(s))
# ----
s = '  padded  '
print(repr(s.strip()), repr(s.lstrip()), repr(s.rstrip()), repr('xxhixx'.strip('x')))
# ----
print('a,b,,c'.split(','), 'a b  c'.split(), ' x  y '.split(), 'a,b,c'.split(',', 1), 'a,b,c'.rsplit(',', 1))
# ----
print('-'.join(['a', 'b', 'c']), ''.join(reversed('abc')), ', '.join(str(i) for i in range(4)))
# ----
print('hello'.replace('l', 'L'), 'aaa'.replace('a', 'b', 2), 'abc'.replace('', '-'))
# ----
print('hello'.find('l'), 'hello'.rfind('l'), 'hello'.find('z'), 'hello'.index('e'), 'hello'.count('l'))
# ----
print('hello'.index('z'))
# ----
print('abc'.startswith('ab'), 'abc'.endswith(('x', 'c')), 'abc'.startswith('b', 1))
# ----
print('123'.isdigit(), 'abc'.isalpha(), 'ab1'.isalnum(), '   '.isspace(), 'ABC'.isupper(), 'abc'.islower(), ''.isdigit())
# ----
print('hello'[1], 'hello'[-1], 'hello'[1:3], 'hello'[::-1], 'hello'[::2], 'hello'[10:], 'hello'[-3:])
# ----
print('hello'[5])
# ----
print('abc' * 3, 3 * 'ab', 'x' * 0, 'x' * -1, 'a' + 'b')
# ----
print('ab' < 'b', 'abc' == 'abc', 'A' < 'a', 'abc' < 'abd', 'ab' in 'cabd', 'z' not in 'abc')
# ----
print(str(123), str(1.5), str(None), str(True), str([1, 'a']), repr('a'), repr("it's"), repr('say "hi"'))
# ----
print(repr('line\nnew\ttab\\'), repr('\x00\x7f'), 'tab\there')
# ----
print('center'.center(12, '*'), 'left'.ljust(8, '.'), 'right'.rjust(8), '42'.zfill(5), '-42'.zfill(6))
# ----
print('abc'.center(6), '|' + 'abc'.center(8) + '|', '|' + 'ab'.center(7) + '|')
# ----
print('a-b-c'.partition('-'), 'a-b-c'.rpartition('-'), 'abc'.partition('x'))
# ----
print('line1\nline2\r\nline3'.splitlines(), 'TestString'.removeprefix('Test'), 'file.py'.removesuffix('.py'))
# ----
print('hello world'.capitalize(), 'HELLO'.casefold(), "they're bill's".title())
# ----
s = 'mississippi'
print(s.count('ss'), s.count('s'), s.find('ss', 3), s.rindex('i'), s.split('ss'))
# ----
words = 'the quick brown fox jumps over the lazy dog'.split()
print(len(words), sorted(words), max(words, key=len), sorted(words, key=lambda w: (-len(w), w)))
# ----
s = 'racecar'
print(s == s[::-1], 'hello' == 'hello'[::-1])
# ----
counts = {}
for ch in 'hello world':
    counts[ch] = counts.get(ch, 0) + 1
print(counts)
# ----
print(''.join(c for c in 'Hello World 123' if c.isalpha()).lower())
# ----
print([c for c in 'abc'], list('xyz'), tuple('ab'), set('aab') == {'a', 'b'})
# ----
print('%d items cost %.2f' % (3, 9.5), '%s|%5s|%-5s|' % ('a', 'b', 'c'), '%x %o %e' % (255, 8, 12345.678))
# ----
print('%05d|%+d|%3d%%' % (42, 7, 50))
# ----
print('{} and {}'.format('a', 'b'), '{1} {0}'.format('x', 'y'), '{name}={val:.3f}'.format(name='pi', val=3.14159))
# ----
print('{:>10}|{:<10}|{:^10}|'.format('r', 'l', 'c'), '{:*^9}'.format('mid'), '{:,}'.format(1234567))
# ----
print('{0[0]} {0[1]}'.format(['a', 'b']), '{:08.3f}'.format(-3.14159), '{!r}'.format('q'))
# ----
print('é'.upper(), len('héllo'), 'héllo'[1], 'naïve'[::-1], 'ß'.upper())
# ----
s = 'abc'
s[0] = 'x'
# ----
print('a' + 1)
# ----
print(len(5))
# ----
print('x'.join([1, 2]))
# ----
print(''.split(','))
# ----
print('a b'.split(''))
# ----
print(ord('ab'))
# ----
print(str.upper('abc'), str.join(',', ['a', 'b']))
# ----
print('Hello'.ljust(3), 'abc'[1:1], 'abc'[-10:10], 'abcdef'[4:1:-1], 'abcdef'[::-2])
# ----
t = 'The rain in Spain'
print(t.lower().count('ain'), [w for w in t.split() if 'ain' in w])
# ----
print('CamelCaseString'.lower(), ''.join(' ' + c if c.isupper() else c for c in 'CamelCaseString').strip())
# ----
vowels = sum(1 for c in 'programming language' if c in 'aeiou')
print(vowels)
# ----
print(' '.join(w[::-1] for w in 'hello world foo'.split()))
# ----
print('a\tb'.expandtabs(), 'x'.isidentifier(), '1x'.isidentifier(), 'Hello World'.istitle())
# ----
print(min('hello'), max('hello'), sorted('hello'), sorted('hello', reverse=True))
# ----
print("multi" "part" 'string', """triple
quoted""", r'raw\n')
# ----
print('abc'.find(''), 'abc'.count(''), 'aaaa'.count('aa'))
# ----
print('1,2,3'.split(',') + ['4'], list(map(int, '1 2 3'.split())))
