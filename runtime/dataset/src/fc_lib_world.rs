//! Function library, world domains: `units`, `finance` (fixed bundled
//! exchange rates) and `geography` (lookups over a small bundled country
//! table: capital, population in millions (2023 estimates), continent,
//! currency, capital coordinates).

use kernels::rng::Rng;
use serde_json::{json, Value};

use super::fc_lib::*;

/// One row of the bundled country table.
pub struct Country {
    pub name: &'static str,
    pub capital: &'static str,
    pub population_millions: f64,
    pub continent: &'static str,
    pub currency: &'static str,
    pub lat: f64,
    pub lon: f64,
}

const fn c(
    name: &'static str,
    capital: &'static str,
    population_millions: f64,
    continent: &'static str,
    currency: &'static str,
    lat: f64,
    lon: f64,
) -> Country {
    Country {
        name,
        capital,
        population_millions,
        continent,
        currency,
        lat,
        lon,
    }
}

#[rustfmt::skip]
pub const COUNTRIES: [Country; 20] = [
    c("France", "Paris", 68.2, "Europe", "EUR", 48.8566, 2.3522),
    c("Germany", "Berlin", 84.5, "Europe", "EUR", 52.52, 13.405),
    c("Italy", "Rome", 58.9, "Europe", "EUR", 41.9028, 12.4964),
    c("Spain", "Madrid", 48.4, "Europe", "EUR", 40.4168, -3.7038),
    c("United Kingdom", "London", 68.4, "Europe", "GBP", 51.5072, -0.1276),
    c("Norway", "Oslo", 5.5, "Europe", "NOK", 59.9139, 10.7522),
    c("Japan", "Tokyo", 124.5, "Asia", "JPY", 35.6762, 139.6503),
    c("China", "Beijing", 1410.7, "Asia", "CNY", 39.9042, 116.4074),
    c("India", "New Delhi", 1428.6, "Asia", "INR", 28.6139, 77.209),
    c("South Korea", "Seoul", 51.7, "Asia", "KRW", 37.5665, 126.978),
    c("Egypt", "Cairo", 112.7, "Africa", "EGP", 30.0444, 31.2357),
    c("Kenya", "Nairobi", 55.1, "Africa", "KES", -1.2921, 36.8219),
    c("Nigeria", "Abuja", 223.8, "Africa", "NGN", 9.0765, 7.3986),
    c("Canada", "Ottawa", 40.1, "North America", "CAD", 45.4215, -75.6972),
    c("Mexico", "Mexico City", 128.5, "North America", "MXN", 19.4326, -99.1332),
    c("Brazil", "Brasilia", 216.4, "South America", "BRL", -15.7939, -47.8828),
    c("Argentina", "Buenos Aires", 46.7, "South America", "ARS", -34.6037, -58.3816),
    c("Peru", "Lima", 34.4, "South America", "PEN", -12.0464, -77.0428),
    c("Australia", "Canberra", 26.6, "Oceania", "AUD", -35.2809, 149.13),
    c("New Zealand", "Wellington", 5.2, "Oceania", "NZD", -41.2865, 174.7762),
];

const CONTINENTS: &[&str] = &[
    "Europe",
    "Asia",
    "Africa",
    "North America",
    "South America",
    "Oceania",
];

fn country(a: &Value, k: &str) -> Result<&'static Country, String> {
    let name = text(a, k)?;
    COUNTRIES
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("unknown country '{name}'"))
}

fn continent(a: &Value) -> Result<&'static str, String> {
    let name = text(a, "continent")?;
    CONTINENTS
        .iter()
        .copied()
        .find(|c| c.eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("unknown continent '{name}'"))
}

fn any_country(rng: &mut Rng) -> &'static str {
    COUNTRIES[rng.below(COUNTRIES.len() as u64) as usize].name
}

/// Great-circle distance in km (haversine, mean Earth radius 6371 km).
pub fn haversine_km(a: &Country, b: &Country) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let (dp, dl) = ((b.lat - a.lat).to_radians(), (b.lon - a.lon).to_radians());
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Units per US dollar (fixed, for reproducible data).
const RATES: [(&str, f64); 8] = [
    ("USD", 1.0),
    ("EUR", 0.92),
    ("GBP", 0.79),
    ("JPY", 150.0),
    ("CAD", 1.36),
    ("AUD", 1.52),
    ("CHF", 0.88),
    ("INR", 83.0),
];
const CURRENCIES: &[&str] = &["USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "INR"];

fn rate(code: &str) -> Result<f64, String> {
    RATES
        .iter()
        .find(|r| r.0 == code)
        .map(|r| r.1)
        .ok_or_else(|| format!("unknown currency '{code}'"))
}

/// Meters per unit.
const LENGTHS: [(&str, f64); 7] = [
    ("mm", 0.001),
    ("cm", 0.01),
    ("m", 1.0),
    ("km", 1000.0),
    ("in", 0.0254),
    ("ft", 0.3048),
    ("mi", 1609.344),
];
const LENGTH_UNITS: &[&str] = &["mm", "cm", "m", "km", "in", "ft", "mi"];

fn length(unit: &str) -> Result<f64, String> {
    LENGTHS
        .iter()
        .find(|l| l.0 == unit)
        .map(|l| l.1)
        .ok_or_else(|| format!("unknown unit '{unit}'"))
}

const COUNTRY: &[Param] = &[p(
    "country",
    "str",
    "Country name in English, e.g. 'France'",
)];
const VALUE: &[Param] = &[p("value", "float", "The value to convert")];

fn value_query(rng: &mut Rng, template: &str, hi: i64) -> (String, Value) {
    let x = dec_in(rng, 0, hi);
    (
        template.replace("{}", &x.to_string()),
        json!({ "value": x }),
    )
}

#[rustfmt::skip]
pub fn functions() -> Vec<FcFunction> {
    vec![
        // ---- units ----
        f("celsius_to_fahrenheit", "units", "Degrees Celsius expressed in degrees Fahrenheit.", VALUE,
            |r| value_query(r, "What is {} degrees Celsius in Fahrenheit?", 100),
            |a| rounded(num(a, "value")? * 9.0 / 5.0 + 32.0, 2)),
        f("fahrenheit_to_celsius", "units", "Degrees Fahrenheit expressed in degrees Celsius.", VALUE,
            |r| value_query(r, "Convert {} °F to Celsius.", 212),
            |a| rounded((num(a, "value")? - 32.0) * 5.0 / 9.0, 2)),
        f("kilometers_to_miles", "units", "Convert kilometers to miles.", VALUE,
            |r| value_query(r, "How many miles is {} km?", 500),
            |a| rounded(num(a, "value")? / 1.609344, 3)),
        f("kilograms_to_pounds", "units", "Convert kilograms to pounds.", VALUE,
            |r| value_query(r, "How many pounds are {} kilograms?", 200),
            |a| rounded(num(a, "value")? / 0.45359237, 3)),
        f("liters_to_gallons", "units", "Convert liters to US gallons.", VALUE,
            |r| value_query(r, "Convert {} liters to US gallons.", 100),
            |a| rounded(num(a, "value")? / 3.785411784, 3)),
        f("convert_length", "units", "Convert a length between units (mm, cm, m, km, in, ft, mi).",
            const { &[p("value", "float", "The length"), pick_of("from_unit", "Unit of the value", LENGTH_UNITS), pick_of("to_unit", "Unit to convert to", LENGTH_UNITS)] },
            |r| { let x = dec_in(r, 1, 1000); let from = one_of(r, LENGTH_UNITS); let to = loop { let t = one_of(r, LENGTH_UNITS); if t != from { break t; } }; (format!("Convert {x} {from} to {to}."), json!({"value": x, "from_unit": from, "to_unit": to})) },
            |a| rounded(num(a, "value")? * length(text(a, "from_unit")?)? / length(text(a, "to_unit")?)?, 4)),
        f("kmh_to_ms", "units", "Convert a speed from km/h to meters per second.", VALUE,
            |r| value_query(r, "What is {} km/h in meters per second?", 300),
            |a| rounded(num(a, "value")? / 3.6, 3)),
        // ---- finance ----
        f("compound_interest", "finance", "Final amount of an investment with compound interest.",
            const { &[p("principal", "float", "Initial amount"), p("annual_rate", "float", "Yearly interest rate in percent"), p("years", "int", "Number of years"), opt("compounds_per_year", "int", "Compounding periods per year", "1")] },
            |r| { let (pr, rate, y) = (int_in(r, 1, 100) * 500, dec_in(r, 1, 9), int_in(r, 1, 30)); if r.below(2) == 0 { let k = one_of(r, &[4, 12]); (format!("If I invest ${pr} at {rate}% compounded {} for {y} years, how much will I have?", if k == 4 { "quarterly" } else { "monthly" }), json!({"principal": pr, "annual_rate": rate, "years": y, "compounds_per_year": k})) } else { (format!("How much does ${pr} grow to in {y} years at {rate}% yearly interest, compounded annually?"), json!({"principal": pr, "annual_rate": rate, "years": y})) } },
            |a| { let k = opt_int(a, "compounds_per_year", 1)?; if k <= 0 { return Err("compounds_per_year must be positive".into()); } rounded(num(a, "principal")? * (1.0 + num(a, "annual_rate")? / 100.0 / k as f64).powi((k * int(a, "years")?) as i32), 2) }),
        f("simple_interest", "finance", "Interest earned with simple interest.",
            const { &[p("principal", "float", "Initial amount"), p("annual_rate", "float", "Yearly rate in percent"), p("years", "float", "Duration in years")] },
            |r| { let (pr, rate, y) = (int_in(r, 1, 50) * 1000, dec_in(r, 1, 12), int_in(r, 1, 10)); (format!("What is the simple interest on ${pr} at {rate}% per year for {y} years?"), json!({"principal": pr, "annual_rate": rate, "years": y})) },
            |a| rounded(num(a, "principal")? * num(a, "annual_rate")? / 100.0 * num(a, "years")?, 2)),
        f("monthly_loan_payment", "finance", "Monthly payment of an amortized loan.",
            const { &[p("principal", "float", "Loan amount"), p("annual_rate", "float", "Yearly interest rate in percent"), p("months", "int", "Number of monthly payments")] },
            |r| { let (pr, rate, m) = (int_in(r, 5, 400) * 1000, dec_in(r, 1, 10), 12 * int_in(r, 1, 30)); (format!("What is the monthly payment on a ${pr} loan at {rate}% for {m} months?"), json!({"principal": pr, "annual_rate": rate, "months": m})) },
            |a| { let (pr, m) = (num(a, "principal")?, int(a, "months")?); if m <= 0 { return Err("months must be positive".into()); } let i = num(a, "annual_rate")? / 1200.0; rounded(if i == 0.0 { pr / m as f64 } else { pr * i / (1.0 - (1.0 + i).powi(-(m as i32))) }, 2) }),
        f("percentage_change", "finance", "Percentage change from an old value to a new one.",
            const { &[p("old_value", "float", "The starting value"), p("new_value", "float", "The ending value")] },
            |r| { let (x, y) = (int_in(r, 10, 1000), int_in(r, 10, 1000)); (format!("What is the percentage change from {x} to {y}?"), json!({"old_value": x, "new_value": y})) },
            |a| { let old = num(a, "old_value")?; if old == 0.0 { return Err("old_value must not be zero".into()); } rounded((num(a, "new_value")? - old) / old * 100.0, 2) }),
        f("apply_discount", "finance", "Price after a percentage discount.",
            const { &[p("price", "float", "Original price"), p("discount_percent", "float", "Discount in percent")] },
            |r| { let (pr, d) = (dec_in(r, 5, 500), int_in(r, 5, 70)); (format!("A ${pr} item is {d}% off. What is the new price?"), json!({"price": pr, "discount_percent": d})) },
            |a| rounded(num(a, "price")? * (1.0 - num(a, "discount_percent")? / 100.0), 2)),
        f("split_bill", "finance", "Each person's share of a bill, with an optional tip.",
            const { &[p("total", "float", "Bill total"), p("people", "int", "Number of people"), opt("tip_percent", "float", "Tip in percent", "0")] },
            |r| { let (t, n) = (dec_in(r, 20, 400), int_in(r, 2, 8)); if r.below(2) == 0 { let tip = one_of(r, &[10, 15, 18, 20]); (format!("Split a ${t} bill between {n} people with a {tip}% tip."), json!({"total": t, "people": n, "tip_percent": tip})) } else { (format!("How much does each of {n} people pay for a ${t} bill?"), json!({"total": t, "people": n})) } },
            |a| { let n = int(a, "people")?; if n <= 0 { return Err("people must be positive".into()); } rounded(num(a, "total")? * (1.0 + opt_num(a, "tip_percent", 0.0)? / 100.0) / n as f64, 2) }),
        f("convert_currency", "finance", "Convert money between currencies at fixed reference rates.",
            const { &[p("amount", "float", "The amount"), pick_of("from_currency", "ISO code of the amount's currency", CURRENCIES), pick_of("to_currency", "ISO code to convert to", CURRENCIES)] },
            |r| { let x = int_in(r, 1, 1000) * 5; let (from, to) = (one_of(r, CURRENCIES), one_of(r, CURRENCIES)); (format!("Convert {x} {from} to {to}."), json!({"amount": x, "from_currency": from, "to_currency": to})) },
            |a| rounded(num(a, "amount")? / rate(text(a, "from_currency")?)? * rate(text(a, "to_currency")?)?, 2)),
        f("sales_tax", "finance", "Total price including sales tax.",
            const { &[p("price", "float", "Price before tax"), p("tax_rate", "float", "Tax rate in percent")] },
            |r| { let (pr, t) = (dec_in(r, 1, 300), dec_in(r, 2, 25)); (format!("What is the total for a ${pr} purchase with {t}% sales tax?"), json!({"price": pr, "tax_rate": t})) },
            |a| rounded(num(a, "price")? * (1.0 + num(a, "tax_rate")? / 100.0), 2)),
        // ---- geography ----
        f("get_capital", "geography", "The capital city of a country.", COUNTRY,
            |r| { let c = any_country(r); (format!("What is the capital of {c}?"), json!({"country": c})) },
            |a| Ok(json!(country(a, "country")?.capital))),
        f("get_population", "geography", "Population of a country in millions (2023 estimate).", COUNTRY,
            |r| { let c = any_country(r); (format!("How many people live in {c}?"), json!({"country": c})) },
            |a| Ok(json!(country(a, "country")?.population_millions))),
        f("get_continent", "geography", "The continent a country is in.", COUNTRY,
            |r| { let c = any_country(r); (format!("Which continent is {c} in?"), json!({"country": c})) },
            |a| Ok(json!(country(a, "country")?.continent))),
        f("get_currency_code", "geography", "ISO currency code used in a country.", COUNTRY,
            |r| { let c = any_country(r); (format!("What currency does {c} use?"), json!({"country": c})) },
            |a| Ok(json!(country(a, "country")?.currency))),
        f("capital_distance", "geography", "Great-circle distance in km between two countries' capitals.",
            const { &[p("country_a", "str", "First country"), p("country_b", "str", "Second country")] },
            |r| { let (x, y) = (any_country(r), any_country(r)); (format!("How far is the capital of {x} from the capital of {y}?"), json!({"country_a": x, "country_b": y})) },
            |a| rounded(haversine_km(country(a, "country_a")?, country(a, "country_b")?), 1)),
        f("countries_in_continent", "geography", "Countries of a continent in the bundled table, alphabetically.",
            const { &[pick_of("continent", "The continent", CONTINENTS)] },
            |r| { let c = one_of(r, CONTINENTS); (format!("List the countries in {c}."), json!({"continent": c})) },
            |a| { let c = continent(a)?; let mut v: Vec<&str> = COUNTRIES.iter().filter(|x| x.continent == c).map(|x| x.name).collect(); v.sort_unstable(); Ok(json!(v)) }),
        f("most_populous_country", "geography", "The most populous country of a continent.",
            const { &[pick_of("continent", "The continent", CONTINENTS)] },
            |r| { let c = one_of(r, CONTINENTS); (format!("Which country in {c} has the most people?"), json!({"continent": c})) },
            |a| { let c = continent(a)?; COUNTRIES.iter().filter(|x| x.continent == c).max_by(|x, y| x.population_millions.total_cmp(&y.population_millions)).map(|x| json!(x.name)).ok_or_else(|| "no countries".into()) }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_distance() {
        // Paris-Berlin is about 878 km great-circle.
        let d = haversine_km(&COUNTRIES[0], &COUNTRIES[1]);
        assert!((d - 878.0).abs() < 5.0, "{d}");
        assert_eq!(haversine_km(&COUNTRIES[3], &COUNTRIES[3]), 0.0);
    }
}
