import math
print(math.sqrt(16), math.sqrt(2), math.isqrt(17), math.isqrt(10**20), math.pi, math.e)
# ----
import math
print(math.gcd(12, 18), math.gcd(0, 5), math.gcd(12, 18, 27), math.lcm(4, 6), math.comb(10, 3), math.perm(5, 2), math.comb(100, 50))
# ----
import math
print(math.floor(3.7), math.ceil(3.2), math.floor(-3.5), math.ceil(-3.5), math.trunc(-2.7), math.floor(5))
# ----
import math
print(math.log(math.e), math.log(100, 10), math.log2(1024), math.log10(1000), math.log(8, 2), math.exp(0))
# ----
import math
print(math.sin(0), math.cos(0), round(math.sin(math.pi / 2), 10), math.atan2(1, 1), math.degrees(math.pi), math.radians(180))
# ----
import math
print(math.hypot(3, 4), math.fabs(-2), math.isclose(0.1 + 0.2, 0.3), math.isnan(float('nan')), math.isinf(math.inf))
# ----
import math
print(math.fsum([0.1] * 10), sum([0.1] * 10), math.prod([1, 2, 3, 4]), math.prod([]))
# ----
import math
print(math.factorial(20), math.factorial(0))
math.factorial(-1)
# ----
import math
math.log(0)
# ----
import math
math.sqrt(-4)
# ----
import math
print(math.pow(2, 10), math.copysign(3, -1), math.fmod(7, 3), math.modf(3.5))
# ----
from math import sqrt, pi as PI
print(sqrt(81), round(PI, 4))
# ----
import math as m
print(m.floor(m.log10(12345)) + 1)
# ----
import math
print(math.log(2 ** 1000), math.log10(10 ** 50), math.sqrt(10 ** 30))
# ----
import math
print(math.tau, math.inf > 10 ** 100, -math.inf)
# ----
import math
print(math.nosuch)
# ----
import json
print(json.dumps({'a': 1, 'b': [1, 2.5, None, True], 'c': 'x'}))
# ----
import json
print(json.dumps([1, 'two', {'three': 3}], indent=2))
# ----
import json
print(json.dumps({'b': 1, 'a': 2}, sort_keys=True), json.dumps('héllo'), json.dumps('héllo', ensure_ascii=False))
# ----
import json
d = json.loads('{"name": "Ann", "age": 30, "tags": ["a", "b"], "ok": true, "x": null, "f": 1.5e3}')
print(d, d['tags'][1], type(d['age']).__name__)
# ----
import json
print(json.loads('[1, 2, {"k": [true, false]}]'), json.loads('"esc\\n\\u00e9"'), json.loads(' 42 '))
# ----
import json
json.loads('{bad json}')
# ----
import json
json.loads('[1, 2')
# ----
import json
print(json.dumps({1: 'int key', 2.5: 'f'}), json.dumps((1, 2)), json.dumps(float('inf')))
# ----
import json
json.dumps({'s': {1, 2}})
# ----
import json
data = {'users': [{'id': i, 'name': f'u{i}'} for i in range(3)]}
s = json.dumps(data, separators=(',', ':'))
print(s, json.loads(s) == data)
# ----
import json
print(json.dumps({'nested': {'deep': [1, [2, [3]]]}}, indent=4))
# ----
import json
print(json.dumps([]), json.dumps({}), json.dumps({'e': []}, indent=2), json.dumps('quote"back\\slash'))
# ----
import string
print(string.ascii_lowercase, string.digits, len(string.punctuation))
# ----
from functools import reduce
print(reduce(lambda a, b: a * b, range(1, 11)), reduce(lambda a, b: a + b, ['x', 'y'], '>'))
# ----
import nonexistent_module
