try:
    1 / 0
except ZeroDivisionError as e:
    print('caught', e, type(e).__name__, repr(e), e.args)
# ----
try:
    int('x')
except (TypeError, ValueError) as e:
    print('multi', e)
# ----
try:
    [][1]
except LookupError as e:
    print('lookup', e)
# ----
try:
    {}['k']
except KeyError as e:
    print('key', e, repr(e), e.args)
# ----
try:
    x = 1
except Exception:
    print('no')
else:
    print('else ran')
finally:
    print('finally ran')
# ----
def f():
    try:
        return 'try'
    finally:
        print('cleanup')
print(f())
# ----
def f():
    try:
        raise ValueError('a')
    except ValueError:
        return 'handled'
    finally:
        print('fin')
print(f())
# ----
try:
    raise ValueError('bad value')
except ValueError as e:
    print(str(e))
# ----
try:
    raise KeyError('missing')
except Exception as e:
    print(type(e).__name__, e)
# ----
class MyError(Exception):
    pass
try:
    raise MyError('custom')
except MyError as e:
    print('got', e, isinstance(e, Exception))
# ----
class AppError(Exception):
    def __init__(self, code, msg):
        super().__init__(f'[{code}] {msg}')
        self.code = code
try:
    raise AppError(404, 'not found')
except AppError as e:
    print(e, e.code)
# ----
class MyError(ValueError):
    pass
try:
    raise MyError('sub')
except ValueError as e:
    print('as ValueError:', e)
# ----
raise RuntimeError('boom')
# ----
raise ValueError
# ----
class Custom(Exception):
    pass
raise Custom('mine')
# ----
try:
    try:
        1 / 0
    except ZeroDivisionError:
        raise ValueError('converted')
except ValueError as e:
    print(e)
# ----
try:
    try:
        raise TypeError('inner')
    finally:
        print('inner finally')
except TypeError as e:
    print('outer caught', e)
# ----
def risky(n):
    if n < 0:
        raise ValueError(f'negative: {n}')
    return n ** 0.5
for v in [4, -1, 9]:
    try:
        print(risky(v))
    except ValueError as e:
        print('error:', e)
# ----
try:
    raise ValueError('x')
except ValueError:
    try:
        raise
    except ValueError as e2:
        print('reraised', e2)
# ----
try:
    undefined_thing
except NameError as e:
    print(e)
# ----
try:
    None.foo
except AttributeError as e:
    print(e)
# ----
try:
    'abc'.nosuch()
except AttributeError as e:
    print(e)
# ----
try:
    len(5)
except TypeError as e:
    print(e)
# ----
try:
    assert 1 == 2, 'math broke'
except AssertionError as e:
    print('assert:', e)
# ----
errors = []
for val in ['1', 'x', '3', None]:
    try:
        errors.append(int(val))
    except ValueError:
        errors.append('bad')
    except TypeError:
        errors.append('none')
print(errors)
# ----
try:
    raise Exception('a', 'b')
except Exception as e:
    print(e, e.args)
# ----
try:
    raise IndexError
except IndexError as e:
    print(repr(e), str(e) == '')
# ----
def f():
    for i in range(3):
        try:
            if i == 1:
                continue
            print('body', i)
        finally:
            print('fin', i)
f()
# ----
def g():
    while True:
        try:
            break
        finally:
            print('finally on break')
    return 'done'
print(g())
# ----
try:
    1 / 0
except:
    print('bare except')
# ----
try:
    raise StopIteration
except Exception as e:
    print(type(e).__name__)
# ----
print(issubclass(ZeroDivisionError, ArithmeticError), issubclass(KeyError, LookupError), issubclass(ValueError, TypeError))
# ----
e = ValueError('stored')
print(e, repr(e), type(e))
# ----
try:
    raise 5
except TypeError as e:
    print(e)
# ----
x = [1, 2, 3]
try:
    print(x[5])
except IndexError as e:
    print('index error:', e)
finally:
    print('done')
# ----
try:
    d = {}
    d['a'] += 1
except KeyError as e:
    print('KeyError', e)
# ----
import math
try:
    math.sqrt(-1)
except ValueError as e:
    print(e)
# ----
try:
    raise NotImplementedError('todo')
except RuntimeError as e:
    print('runtime family', e)
# ----
try:
    1 / 0
finally:
    print('finally before error')
# ----
def validate(age):
    if not isinstance(age, int):
        raise TypeError('age must be int')
    if age < 0:
        raise ValueError('age must be >= 0')
    return age
print(validate(5))
validate(-3)
