use super::*;

/// An answer judged with no question (nothing to discount as restated).
fn states(answer: &str, truth: &str) -> bool {
    answer_matches(answer, truth, "")
}

#[test]
fn numbers_match_by_value() {
    assert!(states("9 * 6 = 54.", "54"));
    assert!(states("The mean is 34.", "34.0"));
    assert!(states("It is 170.3440000001 liters", "170.344"));
    assert!(!states("It is 170.35 liters", "170.344"));
    assert!(states("The total is 1,191,312.", "1191312"));
    assert!(states("The total is 1_191_312.", "1191312"));
    assert!(!states("The sum is 1191313.", "1191312"));
    assert!(!states("The sum is 11913120.", "1191312"));
    // Big integers compare digit for digit, not through f64.
    let big = "590295810358705651712";
    assert!(states(&format!("8^23 = {big}."), big));
    assert!(!states("8^23 = 590295810358705651713.", big));
    let sixty = "123456789012345678901234567890123456789012345678901234567890";
    assert!(states(&format!("It is {sixty}."), sixty));
    assert!(!states(&format!("It is {sixty}1."), sixty));
    // A decimal is not "within 1e-6" of an integer too big for f64.
    let huge = "4".repeat(400);
    assert!(!states("The mean is 492.6.", &huge));
    assert!(states(&format!("It is {huge}."), &huge));
    assert!(states("x is -5", "-5"));
    assert!(!states("10-5 is 5", "-5"));
    assert!(states("1000001000111", "1000001000111"));
}

/// The value judged is the last number stated, so an answer that repeats
/// an operand (or lists several candidates) does not score by containing
/// the truth somewhere.
#[test]
fn the_last_number_stated_is_the_value() {
    let q = "What is 7 * 1?";
    assert!(!answer_matches("7 * 1 = 8", "7", q));
    assert!(answer_matches("7 * 1 = 7", "7", q));
    let q = "What is the GCD of 12 and 36?";
    assert!(!answer_matches("The GCD of 12 and 36 is 36.", "12", q));
    assert!(answer_matches("The GCD of 12 and 36 is 12.", "12", q));
    assert!(!states("It is either 54 or 45.", "54"));
    // `agent --suite basic`: 150 is not inside 1500.
    let q = "What is the sum of the list [10, 20, 30, 40, 50]?";
    assert!(!answer_matches("The sum is 1500.", "150", q));
    assert!(answer_matches(
        "Adding 10, 20, 30, 40 and 50 gives 150.",
        "150",
        q
    ));
    // Numbers restating the question are not the value, wherever they are.
    let q = "How many primes are there below 100?";
    assert!(answer_matches("There are 25 primes below 100.", "25", q));
    assert!(answer_matches(
        "838102050 = 12345 * 67890",
        "838102050",
        "What is 12345 * 67890?"
    ));
}

#[test]
fn an_explicit_final_answer_line_decides() {
    assert!(states("First I got 45, then 7.\nFinal answer: 54", "54"));
    assert!(!states("54 looked right, but\n**Final answer:** 45", "54"));
    assert!(states("Answer: 54\n(checked with Python 3)", "54"));
    assert!(answer_matches(
        "The answer is 54, as 9 * 6 shows.",
        "54",
        "What is 9 * 6?"
    ));
    assert!(states("answer is 54", "54"));
    // A line that merely starts with the word is not a marker.
    assert!(!states("Answers vary: 54\nbut it is 45", "54"));
}

#[test]
fn booleans_take_the_last_one_stated() {
    assert!(states("Is 969 prime? False.", "False"));
    assert!(!states("Falsehood", "False"));
    assert!(!states("False... no wait, it is True.", "False"));
    assert!(states("Not True: the answer is False", "False"));
}

#[test]
fn text_matches_as_whole_words() {
    assert!(states("Sorted: [808, 767,  734].", "[808, 767, 734]"));
    assert!(!states("Sorted: [808, 767, 734, 1].", "[808, 767, 734]"));
    assert!(states(
        "A closure remembers the Enclosing scope",
        "enclosing"
    ));
    assert!(!states("no idea", "overlapping subproblems"));
    assert!(states("Use def, the name and a colon.", "def"));
    assert!(!states("You define it with a keyword.", "def"));
    assert!(states("Without return it gives None.", "None"));
    assert!(!states("Nonetheless, it returns.", "None"));
    assert!(states("Call int(\"42\").", "int("));
    assert!(states("It takes O(n log n) time.", "O(n log n)"));
    assert!(!states("It takes O(n) time.", "O(1)"));
    assert!(states("Use math.isclose to compare.", "math.isclose"));
    assert!(states("via __next__ until", "__next__"));
    assert!(!states("anything", ""));
}
