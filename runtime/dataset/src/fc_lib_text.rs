//! Function library, text and calendar domains: `strings`, `text`,
//! `dates`, `time`. Dates are proleptic Gregorian `YYYY-MM-DD` (Howard
//! Hinnant's days-from-civil algorithm).

use kernels::rng::Rng;
use serde_json::{json, Value};

use super::fc_lib::*;

const WORDS: [&str; 16] = [
    "level", "python", "racecar", "agent", "banana", "kayak", "function", "madam", "compiler",
    "noon", "tensor", "refer", "laptop", "civic", "gradient", "stats",
];

const SENTENCES: [&str; 10] = [
    "The quick brown fox jumps over the lazy dog. It was not amused.",
    "Small models can learn to call tools. They need good data!",
    "Rust is fast. Python is friendly. Both are useful.",
    "She sells sea shells by the sea shore.",
    "A journey of a thousand miles begins with a single step.",
    "To be or not to be, that is the question.",
    "The rain in Spain stays mainly in the plain. Or does it?",
    "Data beats opinions when the data is good.",
    "Every answer is checked by running the code that produced it.",
    "Keep it simple. Keep it small. Make it work first.",
];

fn word(rng: &mut Rng) -> &'static str {
    one_of(rng, &WORDS)
}

fn sentence(rng: &mut Rng) -> &'static str {
    one_of(rng, &SENTENCES)
}

fn text_query(rng: &mut Rng, template: &str) -> (String, Value) {
    let s = sentence(rng);
    (template.replace("{}", s), json!({ "text": s }))
}

fn words_of(s: &str) -> Vec<String> {
    s.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn month_days(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day number of a `YYYY-MM-DD` argument.
fn date_arg(a: &Value, k: &str) -> Result<i64, String> {
    let s = text(a, k)?;
    let parts: Vec<i64> = s.split('-').filter_map(|x| x.parse().ok()).collect();
    match parts[..] {
        [y, m, d] if s.len() == 10 && (1..=12).contains(&m) && d >= 1 && d <= month_days(y, m) => {
            Ok(days_from_civil(y, m, d))
        }
        _ => Err(format!("'{k}' must be a date YYYY-MM-DD, got '{s}'")),
    }
}

fn show_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn random_date(rng: &mut Rng) -> String {
    show_date(int_in(
        rng,
        days_from_civil(1990, 1, 1),
        days_from_civil(2030, 12, 31),
    ))
}

const WEEKDAYS: [&str; 7] = [
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
];

fn clock_arg(a: &Value, k: &str) -> Result<i64, String> {
    let s = text(a, k)?;
    match s
        .split_once(':')
        .map(|(h, m)| (h.parse::<i64>(), m.parse::<i64>()))
    {
        Some((Ok(h), Ok(m))) if (0..24).contains(&h) && (0..60).contains(&m) && s.len() == 5 => {
            Ok(h * 60 + m)
        }
        _ => Err(format!("'{k}' must be a time HH:MM, got '{s}'")),
    }
}

const TEXT: &[Param] = &[p("text", "str", "The input text")];
const WORD: &[Param] = &[p("word", "str", "The input word")];

#[rustfmt::skip]
pub fn functions() -> Vec<FcFunction> {
    vec![
        // ---- strings ----
        f("reverse_string", "strings", "Reverse the characters of a string.", TEXT,
            |r| { let w = word(r); (format!("Reverse the string '{w}'."), json!({"text": w})) },
            |a| Ok(json!(text(a, "text")?.chars().rev().collect::<String>()))),
        f("is_palindrome", "strings", "Check whether a word reads the same backwards (case-insensitive).", WORD,
            |r| { let w = word(r); (format!("Is '{w}' a palindrome?"), json!({"word": w})) },
            |a| { let w = text(a, "word")?.to_lowercase(); Ok(json!(w.chars().eq(w.chars().rev()))) }),
        f("count_vowels", "strings", "Count the vowels (a, e, i, o, u) in a text.", TEXT,
            |r| text_query(r, "How many vowels are in \"{}\"?"),
            |a| Ok(json!(text(a, "text")?.to_lowercase().chars().filter(|c| "aeiou".contains(*c)).count()))),
        f("count_character", "strings", "Count how many times a character occurs in a text (case-sensitive).",
            const { &[p("text", "str", "The input text"), p("character", "str", "A single character")] },
            |r| { let s = sentence(r); let c = one_of(r, &["e", "o", "a", "s", "t"]); (format!("How many times does '{c}' occur in \"{s}\"?"), json!({"text": s, "character": c})) },
            |a| { let c = text(a, "character")?; if c.chars().count() != 1 { return Err("character must be one character".into()); } Ok(json!(text(a, "text")?.matches(c).count())) }),
        f("to_uppercase", "strings", "Convert a text to upper case.", TEXT,
            |r| { let w = word(r); (format!("Make '{w}' uppercase."), json!({"text": w})) },
            |a| Ok(json!(text(a, "text")?.to_uppercase()))),
        f("capitalize_words", "strings", "Capitalize the first letter of every word.", TEXT,
            |r| { let s = one_of(r, &["hello world", "small language models", "tool use in practice", "the rust book"]); (format!("Capitalize each word of '{s}'."), json!({"text": s})) },
            |a| Ok(json!(text(a, "text")?.split(' ').map(|w| { let mut c = w.chars(); c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default() }).collect::<Vec<_>>().join(" ")))),
        f("replace_substring", "strings", "Replace every occurrence of a substring.",
            const { &[p("text", "str", "The input text"), p("old", "str", "Substring to replace"), p("new", "str", "Replacement")] },
            |r| { let s = sentence(r); let old = one_of(r, &["the", "is", "a"]); let new = one_of(r, &["THE", "was", "one"]); (format!("In \"{s}\", replace '{old}' with '{new}'."), json!({"text": s, "old": old, "new": new})) },
            |a| { let old = text(a, "old")?; if old.is_empty() { return Err("old must not be empty".into()); } Ok(json!(text(a, "text")?.replace(old, text(a, "new")?))) }),
        f("is_anagram", "strings", "Check whether two words are anagrams of each other.",
            const { &[p("first", "str", "First word"), p("second", "str", "Second word")] },
            |r| { let (x, y) = one_of(r, &[("listen", "silent"), ("python", "typhon"), ("agent", "tango"), ("model", "mode"), ("stats", "state")]); (format!("Are '{x}' and '{y}' anagrams?"), json!({"first": x, "second": y})) },
            |a| { let key = |s: &str| { let mut v: Vec<char> = s.to_lowercase().chars().collect(); v.sort_unstable(); v }; Ok(json!(key(text(a, "first")?) == key(text(a, "second")?))) }),
        // ---- text statistics ----
        f("word_count", "text", "Count the words in a text.", TEXT,
            |r| text_query(r, "How many words are in \"{}\"?"),
            |a| Ok(json!(words_of(text(a, "text")?).len()))),
        f("sentence_count", "text", "Count the sentences in a text (ending in . ! or ?).", TEXT,
            |r| text_query(r, "How many sentences does this text have: \"{}\""),
            |a| Ok(json!(text(a, "text")?.split(['.', '!', '?']).filter(|s| !s.trim().is_empty()).count()))),
        f("longest_word", "text", "Find the longest word in a text (the first one on ties).", TEXT,
            |r| text_query(r, "What is the longest word in \"{}\"?"),
            |a| words_of(text(a, "text")?).into_iter().fold(None::<String>, |best, w| match best { Some(b) if b.len() >= w.len() => Some(b), _ => Some(w) }).map(|w| json!(w)).ok_or_else(|| "no words".into())),
        f("average_word_length", "text", "Average number of characters per word.", TEXT,
            |r| text_query(r, "What is the average word length in \"{}\"?"),
            |a| { let w = words_of(text(a, "text")?); if w.is_empty() { return Err("no words".into()); } rounded(w.iter().map(|x| x.chars().count()).sum::<usize>() as f64 / w.len() as f64, 2) }),
        f("most_common_word", "text", "The most frequent word (lower-cased; the first one on ties).", TEXT,
            |r| text_query(r, "Which word appears most often in \"{}\"?"),
            |a| { let w = words_of(text(a, "text")?); let best = w.iter().max_by_key(|x| (w.iter().filter(|y| y == x).count(), std::cmp::Reverse(w.iter().position(|y| y == *x)))); best.map(|b| json!(b)).ok_or_else(|| "no words".into()) }),
        f("reading_time", "text", "Estimated reading time in seconds at a given speed.",
            const { &[p("text", "str", "The text"), opt("words_per_minute", "int", "Reading speed", "200")] },
            |r| text_query(r, "How long does it take to read \"{}\"?"),
            |a| { let wpm = opt_int(a, "words_per_minute", 200)?; if wpm <= 0 { return Err("speed must be positive".into()); } rounded(words_of(text(a, "text")?).len() as f64 * 60.0 / wpm as f64, 1) }),
        // ---- dates ----
        f("days_between", "dates", "Number of days from one date to another (YYYY-MM-DD).",
            const { &[p("start_date", "str", "Start date, YYYY-MM-DD"), p("end_date", "str", "End date, YYYY-MM-DD")] },
            |r| { let (x, y) = (random_date(r), random_date(r)); (format!("How many days are there from {x} to {y}?"), json!({"start_date": x, "end_date": y})) },
            |a| Ok(json!(date_arg(a, "end_date")? - date_arg(a, "start_date")?))),
        f("day_of_week", "dates", "The weekday of a date (YYYY-MM-DD).",
            const { &[p("date", "str", "The date, YYYY-MM-DD")] },
            |r| { let x = random_date(r); (format!("What day of the week was {x}?"), json!({"date": x})) },
            |a| Ok(json!(WEEKDAYS[date_arg(a, "date")?.rem_euclid(7) as usize]))),
        f("add_days", "dates", "The date a number of days after (or before, if negative) a date.",
            const { &[p("date", "str", "The date, YYYY-MM-DD"), p("days", "int", "Days to add")] },
            |r| { let (x, n) = (random_date(r), int_in(r, -400, 400)); (format!("What date is {n} days after {x}?"), json!({"date": x, "days": n})) },
            |a| Ok(json!(show_date(date_arg(a, "date")? + int(a, "days")?)))),
        f("is_leap_year", "dates", "Check whether a year is a leap year.",
            const { &[p("year", "int", "The year")] },
            |r| { let y = int_in(r, 1800, 2400); (format!("Is {y} a leap year?"), json!({"year": y})) },
            |a| Ok(json!(is_leap(int(a, "year")?)))),
        f("days_in_month", "dates", "Number of days in a month of a year.",
            const { &[p("year", "int", "The year"), p("month", "int", "The month, 1-12")] },
            |r| { let (y, m) = (int_in(r, 1900, 2100), int_in(r, 1, 12)); (format!("How many days does month {m} of {y} have?"), json!({"year": y, "month": m})) },
            |a| { let m = int(a, "month")?; if !(1..=12).contains(&m) { return Err("month must be 1-12".into()); } Ok(json!(month_days(int(a, "year")?, m))) }),
        f("age_in_years", "dates", "Age in whole years on a given date.",
            const { &[p("birth_date", "str", "Birth date, YYYY-MM-DD"), p("on_date", "str", "The date to measure at, YYYY-MM-DD")] },
            |r| { let b = show_date(int_in(r, days_from_civil(1940, 1, 1), days_from_civil(2010, 1, 1))); let on = show_date(int_in(r, days_from_civil(2015, 1, 1), days_from_civil(2030, 1, 1))); (format!("How old is someone born on {b} on {on}?"), json!({"birth_date": b, "on_date": on})) },
            |a| { let (b, on) = (civil_from_days(date_arg(a, "birth_date")?), civil_from_days(date_arg(a, "on_date")?)); Ok(json!(on.0 - b.0 - i64::from((on.1, on.2) < (b.1, b.2)))) }),
        // ---- time ----
        f("seconds_to_hms", "time", "Format a number of seconds as H:MM:SS.",
            const { &[p("seconds", "int", "Number of seconds")] },
            |r| { let s = int_in(r, 30, 200_000); (format!("How long is {s} seconds in hours, minutes and seconds?"), json!({"seconds": s})) },
            |a| { let s = int(a, "seconds")?; if s < 0 { return Err("negative".into()); } Ok(json!(format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60))) }),
        f("to_seconds", "time", "Total seconds in a duration of hours, minutes and seconds.",
            const { &[p("hours", "int", "Hours"), p("minutes", "int", "Minutes"), opt("seconds", "int", "Seconds", "0")] },
            |r| { let (h, m) = (int_in(r, 0, 48), int_in(r, 0, 59)); (format!("How many seconds are in {h} hours and {m} minutes?"), json!({"hours": h, "minutes": m})) },
            |a| Ok(json!(int(a, "hours")? * 3600 + int(a, "minutes")? * 60 + opt_int(a, "seconds", 0)?))),
        f("add_minutes", "time", "The clock time (HH:MM, 24-hour) some minutes after a time.",
            const { &[p("time", "str", "Start time HH:MM"), p("minutes", "int", "Minutes to add")] },
            |r| { let t = format!("{:02}:{:02}", int_in(r, 0, 23), int_in(r, 0, 59)); let m = int_in(r, 5, 600); (format!("What time is it {m} minutes after {t}?"), json!({"time": t, "minutes": m})) },
            |a| { let t = (clock_arg(a, "time")? + int(a, "minutes")?).rem_euclid(24 * 60); Ok(json!(format!("{:02}:{:02}", t / 60, t % 60))) }),
        f("minutes_between", "time", "Minutes from one clock time to a later one the same day (HH:MM).",
            const { &[p("start", "str", "Start time HH:MM"), p("end", "str", "End time HH:MM")] },
            |r| { let a = int_in(r, 0, 1000); let b = int_in(r, a, 1439); let show = |x: i64| format!("{:02}:{:02}", x / 60, x % 60); (format!("How many minutes are there between {} and {}?", show(a), show(b)), json!({"start": show(a), "end": show(b)})) },
            |a| { let d = clock_arg(a, "end")? - clock_arg(a, "start")?; if d < 0 { return Err("end is before start".into()); } Ok(json!(d)) }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_matches_cpython() {
        // datetime.date(...).toordinal() - date(1970,1,1).toordinal(), weekday names.
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
        assert_eq!(days_from_civil(2024, 2, 29), 19782);
        assert_eq!(WEEKDAYS[19782 % 7], "Thursday");
        for z in -800_000..800_000i64 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        let a = json!({"birth_date": "2000-02-29", "on_date": "2024-02-28"});
        let age = functions()
            .into_iter()
            .find(|f| f.name == "age_in_years")
            .unwrap();
        assert_eq!((age.run)(&a).unwrap(), json!(23));
        assert!(date_arg(&json!({"d": "2023-02-29"}), "d").is_err());
    }
}
