//! Questions a coding assistant answers without running code: concepts,
//! syntax, algorithm descriptions. Each entry has a key phrase the answer
//! must contain (the sample's `ground_truth`).

use super::code_tasks::Difficulty;
use Difficulty::{Easy, Hard, Medium};

/// One reasoning question with its written answer.
pub struct Explained {
    pub question: &'static str,
    pub answer: &'static str,
    /// A phrase the answer contains; a cheap semantic check for evaluation.
    pub key: &'static str,
    pub difficulty: Difficulty,
}

const fn e(
    question: &'static str,
    answer: &'static str,
    key: &'static str,
    difficulty: Difficulty,
) -> Explained {
    Explained {
        question,
        answer,
        key,
        difficulty,
    }
}

/// The bank, in a fixed order.
pub const BANK: &[Explained] = &[
    e("What does the len() function return in Python?", "len() returns the number of items in a container: characters in a string, elements in a list or tuple, keys in a dict.", "number of items", Easy),
    e("What is the difference between a list and a tuple in Python?", "A list is mutable (you can append, remove or change items) and is written with square brackets; a tuple is immutable and is written with parentheses. Tuples can be dict keys, lists cannot.", "immutable", Easy),
    e("How do I write a for loop over the numbers 0 to 9 in Python?", "Use range: `for i in range(10):` followed by an indented body. range(10) yields 0, 1, ..., 9.", "range(10)", Easy),
    e("What does the // operator do in Python?", "// is floor division: it divides and rounds down to the nearest integer, so 7 // 2 is 3 and -7 // 2 is -4.", "floor division", Easy),
    e("What does the % operator do in Python?", "% gives the remainder of a division (modulo): 17 % 5 is 2. With a negative divisor the result takes the sign of the divisor.", "remainder", Easy),
    e("How do I define a function in Python?", "Use def, the name, the parameters and a colon, then an indented body: `def add(a, b):` and on the next line `return a + b`.", "def", Easy),
    e("What is a dictionary in Python?", "A dict maps keys to values, like {\"a\": 1, \"b\": 2}. Keys must be hashable; lookup d[\"a\"] is fast on average (a hash table).", "keys to values", Easy),
    e("What does the `in` keyword check?", "`x in c` checks membership: whether x is an element of a list, tuple or set, a key of a dict, or a substring of a string.", "membership", Easy),
    e("How do I convert the string \"42\" to an integer in Python?", "Call int(\"42\"), which returns 42. int() raises ValueError if the string is not a valid integer.", "int(", Easy),
    e("What is the difference between == and is in Python?", "== compares values (equality); `is` checks identity, whether both names refer to the same object. Use `is` only for None and other singletons.", "identity", Easy),
    e("What is a list comprehension?", "A compact way to build a list from an iterable: `[x * x for x in range(5) if x % 2 == 0]` gives [0, 4, 16]. It reads as: expression, for clause, optional condition.", "[x * x for x in", Easy),
    e("What does `return` do in a function?", "return ends the function and hands a value back to the caller; a function without return gives None.", "None", Easy),
    e("What is recursion?", "Recursion is when a function calls itself on a smaller version of the problem. It needs a base case that stops the calls, for example factorial(0) = 1 and factorial(n) = n * factorial(n - 1).", "base case", Medium),
    e("Explain binary search.", "Binary search finds a value in a sorted list by comparing it with the middle element and keeping only the half that can contain it. Each step halves the range, so it takes O(log n) comparisons.", "O(log n)", Medium),
    e("What is the time complexity of looking up a key in a Python dict?", "O(1) on average, because a dict is a hash table; the worst case with many hash collisions is O(n).", "O(1)", Medium),
    e("What is the difference between a shallow copy and a deep copy?", "A shallow copy makes a new outer container but shares the inner objects; a deep copy recursively copies the inner objects too, so changes to nested items do not affect the original.", "recursively", Medium),
    e("What is a generator in Python?", "A generator is a function that uses yield to produce values one at a time, lazily, instead of building a whole list. It keeps its state between calls to next().", "yield", Medium),
    e("Why is mutable default argument like `def f(x=[])` a bug?", "The default list is created once, when the function is defined, and shared by every call, so appends leak between calls. Use `x=None` and create the list inside the function.", "created once", Medium),
    e("What does *args mean in a function definition?", "*args collects any extra positional arguments into a tuple; **kwargs collects extra keyword arguments into a dict.", "tuple", Medium),
    e("Explain how bubble sort works.", "Bubble sort walks through the list repeatedly, swapping neighbours that are out of order, so the largest remaining value bubbles to the end on each pass. It takes O(n^2) comparisons.", "O(n^2)", Medium),
    e("What is the difference between a stack and a queue?", "A stack is last in, first out (LIFO): you push and pop at the same end. A queue is first in, first out (FIFO): you add at the back and remove from the front.", "LIFO", Medium),
    e("What does the `with` statement do in Python?", "with runs a block inside a context manager, which sets something up and guarantees clean-up afterwards, even on an exception; for example a file is closed when the block ends.", "context manager", Medium),
    e("What is an off-by-one error?", "An off-by-one error is a loop or index that goes one step too far or stops one step short, such as using <= instead of < with a length, or forgetting that range(n) stops at n - 1.", "one step", Medium),
    e("What is a hash function used for?", "A hash function maps data to a fixed-size number. Hash tables (dicts, sets) use it to find the slot for a key quickly; equal keys must have equal hashes.", "fixed-size", Medium),
    e("Explain the difference between BFS and DFS.", "Breadth-first search explores a graph level by level with a queue and finds shortest paths in unweighted graphs; depth-first search follows one branch as deep as possible with a stack (or recursion) before backtracking.", "queue", Hard),
    e("How does merge sort work and what is its complexity?", "Merge sort splits the list in halves, sorts each half recursively and merges the two sorted halves in linear time. It always takes O(n log n) time and O(n) extra memory, and it is stable.", "O(n log n)", Hard),
    e("What is dynamic programming?", "Dynamic programming solves a problem by combining solutions of overlapping subproblems and storing them (memoization or a table) so each is computed once; Fibonacci numbers and shortest paths are classic examples.", "overlapping subproblems", Hard),
    e("Why is 0.1 + 0.2 != 0.3 in Python?", "Floats are binary fractions, and 0.1, 0.2 and 0.3 cannot be represented exactly, so 0.1 + 0.2 gives 0.30000000000000004. Compare floats with a tolerance, for example math.isclose.", "math.isclose", Hard),
    e("What is the difference between a process and a thread?", "A process has its own memory space; threads run inside one process and share its memory, which makes communication cheap but needs locks to avoid races.", "share its memory", Hard),
    e("What does Big-O notation describe?", "Big-O describes how the running time or memory of an algorithm grows with the input size in the worst case, ignoring constant factors: O(n) grows linearly, O(n^2) quadratically.", "grows", Hard),
    e("How does a hash table handle collisions?", "When two keys land in the same slot, the table either chains them in a list at that slot or probes for another free slot (open addressing, which Python's dict uses). It resizes when it gets too full.", "open addressing", Hard),
    e("What is the difference between an iterator and an iterable?", "An iterable can give you an iterator (it has __iter__); an iterator produces the values one by one with __next__ and raises StopIteration at the end. A list is iterable, iter(list) is an iterator.", "__next__", Hard),
    e("When should I use a set instead of a list?", "Use a set when you need fast membership tests (O(1) on average) or unique elements and do not care about order or duplicates; use a list to keep order and duplicates.", "membership", Medium),
    e("What is a closure in Python?", "A closure is an inner function that remembers variables from the enclosing function's scope even after that function has returned.", "enclosing", Hard),
    e("What does the `yield from` statement do?", "yield from delegates to another iterable or generator: it yields every value the inner one produces, and evaluates to the inner generator's return value.", "delegates", Hard),
    e("What is the Sieve of Eratosthenes?", "An algorithm for all primes below n: start with every number marked prime, then for each prime p cross out its multiples from p*p upwards. It runs in O(n log log n).", "multiples", Hard),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_appear_in_answers_and_questions_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for q in BANK {
            assert!(q.answer.contains(q.key), "{}", q.question);
            assert!(seen.insert(q.question), "duplicate {}", q.question);
        }
        for d in Difficulty::ALL {
            assert!(BANK.iter().filter(|q| q.difficulty == d).count() >= 8);
        }
    }
}
