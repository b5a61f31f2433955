//! Function library, numeric domains: `math`, `numbers`, `lists`,
//! `geometry`, `health`.

use kernels::rng::Rng;
use serde_json::{json, Value};

use super::fc_lib::*;

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

fn is_prime(n: i64) -> bool {
    n >= 2 && (2..).take_while(|k| k * k <= n).all(|k| n % k != 0)
}

fn numbers_query(rng: &mut Rng, what: &str) -> (String, Value) {
    let xs: Vec<f64> = (0..int_in(rng, 4, 9))
        .map(|_| dec_in(rng, 1, 100))
        .collect();
    (
        format!("What is the {what} of {}?", show_list(&xs)),
        json!({ "numbers": xs }),
    )
}

fn ints_query(rng: &mut Rng, template: &str) -> (String, Value) {
    let n = int_in(rng, 4, 10) as usize;
    let xs = int_list(rng, n, -50, 100);
    (
        template.replace("{}", &show_list(&xs)),
        json!({ "items": xs }),
    )
}

const NUMBERS: &[Param] = &[p("numbers", "List[float]", "The numbers")];
const ITEMS: &[Param] = &[p("items", "List[int]", "The list of integers")];
const AB: &[Param] = &[
    p("a", "int", "First integer"),
    p("b", "int", "Second integer"),
];

#[rustfmt::skip]
pub fn functions() -> Vec<FcFunction> {
    vec![
        // ---- math ----
        f("factorial", "math", "Compute the factorial of a non-negative integer.",
            const { &[p("n", "int", "The non-negative integer")] },
            |r| { let n = int_in(r, 0, 20); (format!("What is the factorial of {n}?"), json!({"n": n})) },
            |a| { let n = int(a, "n")?; if !(0..=20).contains(&n) { return Err("n must be in 0..=20".into()); } Ok(json!((1..=n).product::<i64>())) }),
        f("greatest_common_divisor", "math", "Find the greatest common divisor of two integers.", AB,
            |r| { let (a, b) = (int_in(r, 2, 500), int_in(r, 2, 500)); (format!("Find the GCD of {a} and {b}."), json!({"a": a, "b": b})) },
            |a| Ok(json!(gcd(int(a, "a")?, int(a, "b")?)))),
        f("least_common_multiple", "math", "Find the least common multiple of two positive integers.", AB,
            |r| { let (a, b) = (int_in(r, 2, 60), int_in(r, 2, 60)); (format!("What is the least common multiple of {a} and {b}?"), json!({"a": a, "b": b})) },
            |a| { let (x, y) = (int(a, "a")?, int(a, "b")?); if x <= 0 || y <= 0 { return Err("need positive integers".into()); } Ok(json!(x / gcd(x, y) * y)) }),
        f("is_prime", "math", "Check whether an integer is a prime number.",
            const { &[p("number", "int", "The integer to test")] },
            |r| { let n = int_in(r, 2, 10_000); (format!("Is {n} a prime number?"), json!({"number": n})) },
            |a| Ok(json!(is_prime(int(a, "number")?)))),
        f("power", "math", "Raise a base to an integer exponent.",
            const { &[p("base", "float", "The base"), p("exponent", "int", "The exponent")] },
            |r| { let (b, e) = (int_in(r, 2, 12), int_in(r, 2, 8)); (format!("Calculate {b} raised to the power {e}."), json!({"base": b, "exponent": e})) },
            |a| rounded(num(a, "base")?.powi(int(a, "exponent")? as i32), 6)),
        f("square_root", "math", "Compute the square root of a non-negative number.",
            const { &[p("x", "float", "The number"), opt("precision", "int", "Decimal places to round to", "4")] },
            |r| { let x = int_in(r, 2, 5000); (format!("What is the square root of {x}?"), json!({"x": x})) },
            |a| { let x = num(a, "x")?; if x < 0.0 { return Err("x must be non-negative".into()); } rounded(x.sqrt(), opt_int(a, "precision", 4)? as i32) }),
        f("fibonacci_number", "math", "Return the n-th Fibonacci number (F(0) = 0, F(1) = 1).",
            const { &[p("n", "int", "Index in the sequence")] },
            |r| { let n = int_in(r, 1, 80); (format!("Give me the {n}th Fibonacci number."), json!({"n": n})) },
            |a| { let n = int(a, "n")?; if !(0..=90).contains(&n) { return Err("n must be in 0..=90".into()); } let (mut x, mut y) = (0i64, 1i64); for _ in 0..n { (x, y) = (y, x + y); } Ok(json!(x)) }),
        f("binomial_coefficient", "math", "Number of ways to choose k items from n (n choose k).",
            const { &[p("n", "int", "Total items"), p("k", "int", "Items chosen")] },
            |r| { let n = int_in(r, 2, 30); let k = int_in(r, 0, n); (format!("How many ways can I choose {k} items out of {n}?"), json!({"n": n, "k": k})) },
            |a| { let (n, k) = (int(a, "n")?, int(a, "k")?); if k < 0 || k > n || n > 60 { return Err("need 0 <= k <= n <= 60".into()); } let mut c: i64 = 1; for i in 0..k { c = c * (n - i) / (i + 1); } Ok(json!(c)) }),
        // ---- numbers ----
        f("to_binary", "numbers", "Convert a non-negative integer to its binary representation.",
            const { &[p("number", "int", "The integer")] },
            |r| { let n = int_in(r, 1, 4096); (format!("What is {n} in binary?"), json!({"number": n})) },
            |a| { let n = int(a, "number")?; if n < 0 { return Err("negative".into()); } Ok(json!(format!("{n:b}"))) }),
        f("to_hexadecimal", "numbers", "Convert a non-negative integer to hexadecimal (lowercase, no prefix).",
            const { &[p("number", "int", "The integer")] },
            |r| { let n = int_in(r, 10, 1_000_000); (format!("Convert {n} to hexadecimal."), json!({"number": n})) },
            |a| { let n = int(a, "number")?; if n < 0 { return Err("negative".into()); } Ok(json!(format!("{n:x}"))) }),
        f("binary_to_decimal", "numbers", "Convert a binary string to a decimal integer.",
            const { &[p("bits", "str", "Binary digits, e.g. '1011'")] },
            |r| { let b = format!("{:b}", int_in(r, 1, 1023)); (format!("What decimal number is the binary {b}?"), json!({"bits": b})) },
            |a| i64::from_str_radix(text(a, "bits")?, 2).map(|n| json!(n)).map_err(|e| e.to_string())),
        f("to_roman_numeral", "numbers", "Write an integer from 1 to 3999 as a Roman numeral.",
            const { &[p("number", "int", "The integer (1-3999)")] },
            |r| { let n = int_in(r, 1, 3999); (format!("How do you write {n} in Roman numerals?"), json!({"number": n})) },
            |a| { let mut n = int(a, "number")?; if !(1..=3999).contains(&n) { return Err("out of range".into()); }
                const T: [(i64, &str); 13] = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
                let mut s = String::new(); for (v, sym) in T { while n >= v { s.push_str(sym); n -= v; } } Ok(json!(s)) }),
        f("digit_sum", "numbers", "Sum the decimal digits of a non-negative integer.",
            const { &[p("number", "int", "The integer")] },
            |r| { let n = int_in(r, 100, 99_999_999); (format!("What is the sum of the digits of {n}?"), json!({"number": n})) },
            |a| Ok(json!(int(a, "number")?.unsigned_abs().to_string().bytes().map(|b| (b - b'0') as i64).sum::<i64>()))),
        // ---- lists ----
        f("sort_numbers", "lists", "Sort a list of integers.",
            const { &[p("items", "List[int]", "The list of integers"), opt("descending", "bool", "Sort from largest to smallest", "false")] },
            |r| { let desc = r.below(2) == 0; let (q, mut args) = ints_query(r, if desc { "Sort {} from largest to smallest." } else { "Sort {} in ascending order." }); if desc { args["descending"] = json!(true); } (q, args) },
            |a| { let mut xs = ints(a, "items")?; xs.sort_unstable(); if opt_bool(a, "descending", false)? { xs.reverse(); } Ok(json!(xs)) }),
        f("list_sum", "lists", "Add up a list of integers.", ITEMS,
            |r| ints_query(r, "What do the numbers {} add up to?"),
            |a| Ok(json!(ints(a, "items")?.iter().sum::<i64>()))),
        f("find_maximum", "lists", "Find the largest value in a list of integers.", ITEMS,
            |r| ints_query(r, "Which is the largest number in {}?"),
            |a| ints(a, "items")?.into_iter().max().map(|m| json!(m)).ok_or_else(|| "empty list".into())),
        f("find_minimum", "lists", "Find the smallest value in a list of integers.", ITEMS,
            |r| ints_query(r, "Find the smallest value in {}."),
            |a| ints(a, "items")?.into_iter().min().map(|m| json!(m)).ok_or_else(|| "empty list".into())),
        f("count_occurrences", "lists", "Count how many times a value appears in a list.",
            const { &[p("items", "List[int]", "The list of integers"), p("value", "int", "The value to count")] },
            |r| { let n = int_in(r, 6, 12) as usize; let xs = int_list(r, n, 0, 5); let v = int_in(r, 0, 5); (format!("How many times does {v} appear in {}?", show_list(&xs)), json!({"items": xs, "value": v})) },
            |a| { let v = int(a, "value")?; Ok(json!(ints(a, "items")?.iter().filter(|&&x| x == v).count())) }),
        f("unique_elements", "lists", "Remove duplicates from a list, keeping first occurrences in order.", ITEMS,
            |r| { let n = int_in(r, 6, 12) as usize; let xs = int_list(r, n, 0, 8); (format!("Remove the duplicates from {}.", show_list(&xs)), json!({"items": xs})) },
            |a| { let mut seen = Vec::new(); for x in ints(a, "items")? { if !seen.contains(&x) { seen.push(x); } } Ok(json!(seen)) }),
        f("second_largest", "lists", "Find the second largest distinct value in a list of integers.", ITEMS,
            |r| ints_query(r, "What is the second largest distinct number in {}?"),
            |a| { let mut xs = ints(a, "items")?; xs.sort_unstable(); xs.dedup(); xs.iter().rev().nth(1).map(|x| json!(x)).ok_or_else(|| "need two distinct values".into()) }),
        // ---- statistics over floats (lists domain too) ----
        f("calculate_mean", "statistics", "Arithmetic mean of a list of numbers.", NUMBERS,
            |r| numbers_query(r, "average"),
            |a| { let xs = nums(a, "numbers")?; if xs.is_empty() { return Err("empty list".into()); } rounded(xs.iter().sum::<f64>() / xs.len() as f64, 4) }),
        f("calculate_median", "statistics", "Median of a list of numbers.", NUMBERS,
            |r| numbers_query(r, "median"),
            |a| { let mut xs = nums(a, "numbers")?; if xs.is_empty() { return Err("empty list".into()); } xs.sort_by(f64::total_cmp); let m = xs.len() / 2; rounded(if xs.len() % 2 == 1 { xs[m] } else { (xs[m - 1] + xs[m]) / 2.0 }, 4) }),
        f("standard_deviation", "statistics", "Population standard deviation of a list of numbers.", NUMBERS,
            |r| numbers_query(r, "standard deviation"),
            |a| { let xs = nums(a, "numbers")?; if xs.is_empty() { return Err("empty list".into()); } let n = xs.len() as f64; let mean = xs.iter().sum::<f64>() / n; rounded((xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt(), 4) }),
        f("value_range", "statistics", "Difference between the largest and smallest number.", NUMBERS,
            |r| numbers_query(r, "range (max minus min)"),
            |a| { let xs = nums(a, "numbers")?; if xs.is_empty() { return Err("empty list".into()); } let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x))); rounded(hi - lo, 4) }),
        // ---- geometry ----
        f("circle_area", "geometry", "Area of a circle from its radius.",
            const { &[p("radius", "float", "The radius")] },
            |r| { let x = dec_in(r, 1, 50); (format!("What is the area of a circle with radius {x}?"), json!({"radius": x})) },
            |a| rounded(std::f64::consts::PI * num(a, "radius")?.powi(2), 4)),
        f("rectangle_area", "geometry", "Area of a rectangle.",
            const { &[p("width", "float", "Width"), p("height", "float", "Height")] },
            |r| { let (w, h) = (dec_in(r, 1, 40), dec_in(r, 1, 40)); (format!("Find the area of a {w} by {h} rectangle."), json!({"width": w, "height": h})) },
            |a| rounded(num(a, "width")? * num(a, "height")?, 4)),
        f("triangle_area", "geometry", "Area of a triangle from its base and height.",
            const { &[p("base", "float", "Base length"), p("height", "float", "Height")] },
            |r| { let (b, h) = (dec_in(r, 1, 30), dec_in(r, 1, 30)); (format!("A triangle has base {b} and height {h}. What is its area?"), json!({"base": b, "height": h})) },
            |a| rounded(num(a, "base")? * num(a, "height")? / 2.0, 4)),
        f("sphere_volume", "geometry", "Volume of a sphere from its radius.",
            const { &[p("radius", "float", "The radius")] },
            |r| { let x = dec_in(r, 1, 20); (format!("What is the volume of a sphere of radius {x}?"), json!({"radius": x})) },
            |a| rounded(4.0 / 3.0 * std::f64::consts::PI * num(a, "radius")?.powi(3), 4)),
        f("cylinder_volume", "geometry", "Volume of a cylinder.",
            const { &[p("radius", "float", "Base radius"), p("height", "float", "Height")] },
            |r| { let (x, h) = (dec_in(r, 1, 10), dec_in(r, 1, 30)); (format!("Compute the volume of a cylinder with radius {x} and height {h}."), json!({"radius": x, "height": h})) },
            |a| rounded(std::f64::consts::PI * num(a, "radius")?.powi(2) * num(a, "height")?, 4)),
        f("distance_between_points", "geometry", "Euclidean distance between two points in the plane.",
            const { &[p("x1", "float", "x of the first point"), p("y1", "float", "y of the first point"), p("x2", "float", "x of the second point"), p("y2", "float", "y of the second point")] },
            |r| { let v: Vec<i64> = (0..4).map(|_| int_in(r, -20, 20)).collect(); (format!("How far apart are the points ({}, {}) and ({}, {})?", v[0], v[1], v[2], v[3]), json!({"x1": v[0], "y1": v[1], "x2": v[2], "y2": v[3]})) },
            |a| rounded((num(a, "x2")? - num(a, "x1")?).hypot(num(a, "y2")? - num(a, "y1")?), 4)),
        // ---- health ----
        f("body_mass_index", "health", "Body mass index from weight in kilograms and height in meters.",
            const { &[p("weight_kg", "float", "Weight in kg"), p("height_m", "float", "Height in meters")] },
            |r| { let (w, h) = (dec_in(r, 45, 120), int_in(r, 150, 200) as f64 / 100.0); (format!("What is the BMI of someone who weighs {w} kg and is {h} m tall?"), json!({"weight_kg": w, "height_m": h})) },
            |a| { let h = num(a, "height_m")?; if h <= 0.0 { return Err("height must be positive".into()); } rounded(num(a, "weight_kg")? / (h * h), 2) }),
        f("basal_metabolic_rate", "health", "Basal metabolic rate (Mifflin-St Jeor) in kcal per day.",
            const { &[p("weight_kg", "float", "Weight in kg"), p("height_cm", "float", "Height in cm"), p("age", "int", "Age in years"), pick_of("sex", "Biological sex", &["male", "female"])] },
            |r| { let (w, h, age) = (int_in(r, 45, 110), int_in(r, 150, 200), int_in(r, 18, 80)); let sex = one_of(r, &["male", "female"]); (format!("Estimate the BMR of a {age}-year-old {sex} who weighs {w} kg and is {h} cm tall."), json!({"weight_kg": w, "height_cm": h, "age": age, "sex": sex})) },
            |a| { let base = 10.0 * num(a, "weight_kg")? + 6.25 * num(a, "height_cm")? - 5.0 * int(a, "age")? as f64; let adj = match text(a, "sex")? { "male" => 5.0, "female" => -161.0, other => return Err(format!("unknown sex '{other}'")) }; rounded(base + adj, 1) }),
        f("max_heart_rate", "health", "Estimated maximum heart rate (220 minus age).",
            const { &[p("age", "int", "Age in years")] },
            |r| { let age = int_in(r, 15, 80); (format!("What is the maximum heart rate for a {age} year old?"), json!({"age": age})) },
            |a| Ok(json!(220 - int(a, "age")?))),
        f("daily_water_intake", "health", "Recommended daily water intake in liters (0.033 L per kg).",
            const { &[p("weight_kg", "float", "Body weight in kg")] },
            |r| { let w = int_in(r, 40, 120); (format!("How much water should a person of {w} kg drink per day?"), json!({"weight_kg": w})) },
            |a| rounded(num(a, "weight_kg")? * 0.033, 2)),
    ]
}
