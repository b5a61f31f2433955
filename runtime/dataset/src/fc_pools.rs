//! The shared value pools of the declared function library
//! (`data/fc/FORMAT.md`, `{"pool": NAME}`): each draw is a JSON value and
//! one of the ways a person would say it in a request (a date
//! `2024-03-15` may be said "March 15, 2024" or "15/03/2024"; the call
//! must still carry the value its parameter's description asks for).

use kernels::rng::Rng;
use serde_json::Value;

use super::fc_lib::{int_in, one_of};

/// Every pool name, for the loader's check.
pub const POOLS: [&str; 27] = [
    "city",
    "country",
    "us_state",
    "person",
    "first_name",
    "company",
    "email",
    "url",
    "date",
    "time",
    "datetime",
    "year",
    "month",
    "weekday",
    "language",
    "currency",
    "airport",
    "color",
    "username",
    "phone",
    "street",
    "zip",
    "ip",
    "ticker",
    "file",
    "word",
    "phrase",
];

const CITIES: [&str; 24] = [
    "Paris",
    "Tokyo",
    "New York",
    "Nairobi",
    "São Paulo",
    "Toronto",
    "Sydney",
    "Berlin",
    "Mumbai",
    "Mexico City",
    "Seoul",
    "Cape Town",
    "Lisbon",
    "Chicago",
    "Reykjavik",
    "Hanoi",
    "Buenos Aires",
    "Istanbul",
    "Denver",
    "Kraków",
    "Auckland",
    "Dubai",
    "Vancouver",
    "Marrakesh",
];
const COUNTRIES: [&str; 16] = [
    "France",
    "Japan",
    "Kenya",
    "Brazil",
    "Canada",
    "Australia",
    "Germany",
    "India",
    "Mexico",
    "South Korea",
    "Portugal",
    "Vietnam",
    "Argentina",
    "Turkey",
    "Norway",
    "Egypt",
];
const STATES: [&str; 12] = [
    "California",
    "Texas",
    "New York",
    "Florida",
    "Ohio",
    "Washington",
    "Colorado",
    "Georgia",
    "Oregon",
    "Arizona",
    "Michigan",
    "Maine",
];
const FIRST: [&str; 20] = [
    "Alice", "Bruno", "Chen", "Divya", "Emeka", "Fatima", "Gustav", "Hana", "Ivan", "Julia",
    "Kofi", "Lena", "Mateo", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Sven", "Yuki",
];
const LAST: [&str; 16] = [
    "Martin", "Okafor", "Nakamura", "Silva", "Kowalski", "Haddad", "Andersen", "Patel", "Garcia",
    "Nguyen", "Müller", "O'Brien", "Rossi", "Kim", "Dubois", "Ivanova",
];
const COMPANIES: [&str; 14] = [
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Labs",
    "Blue Harbor Logistics",
    "Northwind Traders",
    "Stark Analytics",
    "Pied Piper",
    "Hooli",
    "Vandelay Industries",
    "Wayne Biotech",
    "Cyberdyne Systems",
    "Soylent Foods",
    "Tyrell Robotics",
];
const DOMAINS: [&str; 6] = [
    "example.com",
    "mail.org",
    "acme.io",
    "uni.edu",
    "corp.net",
    "fastmail.dev",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const LANGUAGES: [(&str, &str); 10] = [
    ("en", "English"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("de", "German"),
    ("ja", "Japanese"),
    ("pt", "Portuguese"),
    ("it", "Italian"),
    ("zh", "Chinese"),
    ("ko", "Korean"),
    ("ar", "Arabic"),
];
const CURRENCIES: [(&str, &str); 10] = [
    ("USD", "US dollars"),
    ("EUR", "euros"),
    ("JPY", "Japanese yen"),
    ("GBP", "British pounds"),
    ("CAD", "Canadian dollars"),
    ("INR", "Indian rupees"),
    ("BRL", "Brazilian reais"),
    ("CHF", "Swiss francs"),
    ("AUD", "Australian dollars"),
    ("MXN", "Mexican pesos"),
];
const AIRPORTS: [(&str, &str); 12] = [
    ("JFK", "New York JFK"),
    ("LHR", "London Heathrow"),
    ("CDG", "Paris Charles de Gaulle"),
    ("HND", "Tokyo Haneda"),
    ("SFO", "San Francisco"),
    ("DXB", "Dubai"),
    ("SIN", "Singapore Changi"),
    ("FRA", "Frankfurt"),
    ("ORD", "Chicago O'Hare"),
    ("GRU", "São Paulo Guarulhos"),
    ("SYD", "Sydney"),
    ("NBO", "Nairobi"),
];
const COLORS: [&str; 10] = [
    "red",
    "navy blue",
    "forest green",
    "black",
    "white",
    "teal",
    "orange",
    "purple",
    "beige",
    "charcoal",
];
const STREETS: [&str; 10] = [
    "Maple Avenue",
    "High Street",
    "Rue de Rivoli",
    "Elm Street",
    "Sunset Boulevard",
    "Baker Street",
    "Oak Lane",
    "Harbor Road",
    "King Street",
    "Calle Mayor",
];
const TICKERS: [(&str, &str); 10] = [
    ("AAPL", "Apple"),
    ("MSFT", "Microsoft"),
    ("NVDA", "Nvidia"),
    ("TSLA", "Tesla"),
    ("AMZN", "Amazon"),
    ("GOOGL", "Alphabet"),
    ("ASML", "ASML"),
    ("SAP", "SAP"),
    ("TM", "Toyota"),
    ("SHOP", "Shopify"),
];
const FILES: [&str; 12] = [
    "report_q3.pdf",
    "notes/todo.txt",
    "data/sales_2023.csv",
    "src/main.py",
    "/var/log/nginx/access.log",
    "photos/IMG_4821.jpg",
    "config/settings.yaml",
    "backup.tar.gz",
    "docs/README.md",
    "invoices/INV-0042.xlsx",
    "music/track01.mp3",
    "slides/pitch_deck.pptx",
];
const WORDS: [&str; 16] = [
    "serendipity",
    "harbor",
    "quantum",
    "lantern",
    "meadow",
    "cipher",
    "velvet",
    "orbit",
    "ember",
    "glacier",
    "mosaic",
    "tundra",
    "falcon",
    "prism",
    "saffron",
    "zephyr",
];
const PHRASES: [&str; 14] = [
    "Meeting moved to Friday at 10",
    "Please review the attached draft",
    "Happy birthday, see you tonight!",
    "Server restarted after the patch",
    "Out of office until Monday",
    "Can we split the bill?",
    "Order #5521 arrived damaged",
    "The quick brown fox jumps over the lazy dog",
    "Don't forget the milk",
    "Launch is go for 9:00 UTC",
    "Thanks for the great session today",
    "Budget approved for Q4",
    "Reminder: dentist at 3pm",
    "New high score: 98,400 points",
];

/// "March 15, 2024" and other ways to say `y-m-d`.
fn say_date(rng: &mut Rng, y: i64, m: i64, d: i64) -> String {
    let month = MONTHS[(m - 1) as usize];
    let suffix = match d {
        1 | 21 | 31 => "st",
        2 | 22 => "nd",
        3 | 23 => "rd",
        _ => "th",
    };
    match rng.below(7) {
        0 => format!("{month} {d}, {y}"),
        1 => format!("{d} {month} {y}"),
        2 => format!("{y}-{m:02}-{d:02}"),
        3 => format!("the {d}{suffix} of {month} {y}"),
        4 => format!("{} {d} {y}", &month[..3]),
        5 => format!("{month} {d}{suffix}, {y}"),
        _ => format!("{y}-{m:02}-{d:02}"),
    }
}

/// "2:30 PM" or "14:30".
fn say_time(rng: &mut Rng, h: i64, min: i64) -> String {
    if rng.below(2) == 0 {
        return format!("{h:02}:{min:02}");
    }
    let (h12, half) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    let half = if rng.below(2) == 0 {
        half.to_string()
    } else {
        half.to_lowercase()
    };
    if min == 0 && rng.below(2) == 0 {
        format!("{h12} {half}")
    } else {
        format!("{h12}:{min:02} {half}")
    }
}

fn date_parts(rng: &mut Rng) -> (i64, i64, i64) {
    let m = int_in(rng, 1, 12);
    let days = match m {
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (int_in(rng, 2023, 2027), m, int_in(rng, 1, days))
}

fn pair(value: impl Into<Value>, said: impl Into<String>) -> (Value, String) {
    (value.into(), said.into())
}

/// One draw from the pool `name` (a name from [`POOLS`]).
pub fn draw(rng: &mut Rng, name: &str) -> Option<(Value, String)> {
    let same = |s: &str| pair(s, s);
    Some(match name {
        "city" => same(one_of(rng, &CITIES)),
        "country" => same(one_of(rng, &COUNTRIES)),
        "us_state" => same(one_of(rng, &STATES)),
        "first_name" => same(one_of(rng, &FIRST)),
        "person" => same(&format!("{} {}", one_of(rng, &FIRST), one_of(rng, &LAST))),
        "company" => same(one_of(rng, &COMPANIES)),
        "email" => {
            let who = one_of(rng, &FIRST).to_lowercase();
            let last = one_of(rng, &LAST).to_lowercase().replace(['\'', 'ü'], "");
            same(&format!("{who}.{last}@{}", one_of(rng, &DOMAINS)))
        }
        "url" => {
            let path = one_of(rng, &WORDS);
            same(&format!("https://www.{}/{path}", one_of(rng, &DOMAINS)))
        }
        "date" => {
            let (y, m, d) = date_parts(rng);
            pair(format!("{y}-{m:02}-{d:02}"), say_date(rng, y, m, d))
        }
        "time" => {
            let (h, min) = (int_in(rng, 0, 23), 15 * int_in(rng, 0, 3));
            pair(format!("{h:02}:{min:02}"), say_time(rng, h, min))
        }
        "datetime" => {
            let (y, m, d) = date_parts(rng);
            let (h, min) = (int_in(rng, 6, 21), 15 * int_in(rng, 0, 3));
            let said = format!("{} at {}", say_date(rng, y, m, d), say_time(rng, h, min));
            pair(format!("{y}-{m:02}-{d:02}T{h:02}:{min:02}:00"), said)
        }
        "year" => {
            let y = int_in(rng, 1990, 2030);
            pair(y, y.to_string())
        }
        "month" => same(one_of(rng, &MONTHS)),
        "weekday" => same(one_of(rng, &WEEKDAYS)),
        "language" => {
            let (code, name) = one_of(rng, &LANGUAGES);
            pair(code, name)
        }
        "currency" => {
            let (code, name) = one_of(rng, &CURRENCIES);
            pair(code, if rng.below(2) == 0 { name } else { code })
        }
        "airport" => {
            let (code, name) = one_of(rng, &AIRPORTS);
            pair(code, if rng.below(2) == 0 { name } else { code })
        }
        "color" => same(one_of(rng, &COLORS)),
        "username" => {
            let n = int_in(rng, 1, 999);
            same(&format!("{}_{n}", one_of(rng, &WORDS)))
        }
        "phone" => same(&format!(
            "+1-{}-{}-{:04}",
            int_in(rng, 201, 989),
            int_in(rng, 200, 999),
            int_in(rng, 0, 9999)
        )),
        "street" => same(&format!(
            "{} {}",
            int_in(rng, 1, 999),
            one_of(rng, &STREETS)
        )),
        "zip" => same(&format!("{:05}", int_in(rng, 1000, 99950))),
        "ip" => same(&format!(
            "{}.{}.{}.{}",
            int_in(rng, 10, 223),
            int_in(rng, 0, 255),
            int_in(rng, 0, 255),
            int_in(rng, 1, 254)
        )),
        "ticker" => {
            let (code, name) = one_of(rng, &TICKERS);
            pair(code, if rng.below(2) == 0 { name } else { code })
        }
        "file" => same(one_of(rng, &FILES)),
        "word" => same(one_of(rng, &WORDS)),
        "phrase" => same(one_of(rng, &PHRASES)),
        _ => return None,
    })
}

/// `n` said with thousands separators sometimes ("12,500"; never below
/// 10,000, where years and ids live).
pub fn say_int(rng: &mut Rng, n: i64) -> String {
    if n.abs() < 10_000 || rng.below(3) != 0 {
        return n.to_string();
    }
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pool_draws_and_dates_are_valid() {
        let mut rng = Rng::new(1);
        for name in POOLS {
            for _ in 0..50 {
                let (value, said) = draw(&mut rng, name).unwrap();
                assert!(!said.is_empty(), "{name}");
                if name == "date" {
                    let v = value.as_str().unwrap();
                    assert_eq!(v.len(), 10, "{v}");
                }
            }
        }
        assert!(draw(&mut rng, "nope").is_none());
        assert_eq!(say_int(&mut Rng::new(5), 7), "7");
        assert_eq!(say_int(&mut Rng::new(5), 2024), "2024");
        let said: Vec<String> = (0..20)
            .map(|s| say_int(&mut Rng::new(s), 1234567))
            .collect();
        assert!(said.iter().any(|s| s == "1,234,567"), "{said:?}");
        assert!(said.iter().all(|s| s == "1,234,567" || s == "1234567"));
    }
}
