//! `named_enum!`: one table per list of Python names (builtins, builtin
//! types, str/list/dict/set methods, math functions). The table declares the
//! enum and derives `name()` and `from_name()` from the same lines, so
//! nothing keeps a second list in step: a name listed twice is a compile
//! error (a duplicate variant, or an unreachable pattern in `from_name`),
//! and a `match` on the enum must handle every name.
//!
//! `from_name` is a `match` on `&str` (rustc compiles it to length and
//! byte comparisons), so looking a name up costs no scan of a list.

/// Declares `pub enum $Enum { $Variant, ... }` from `$Variant = "name"` lines
/// with `name()` and `from_name()`.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $Enum:ident { $($Variant:ident = $name:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $Enum {
            $($Variant,)+
        }

        impl $Enum {
            /// The Python name.
            pub fn name(self) -> &'static str {
                match self {
                    $($Enum::$Variant => $name,)+
                }
            }

            /// The entry named `name`, if there is one.
            #[deny(unreachable_patterns)]
            pub fn from_name(name: &str) -> Option<$Enum> {
                match name {
                    $($name => Some($Enum::$Variant),)+
                    _ => None,
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    named_enum! {
        /// A table for the test below.
        pub enum Colour {
            Red = "red",
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn names_round_trip() {
        for c in [Colour::Red, Colour::DarkBlue] {
            assert_eq!(Colour::from_name(c.name()), Some(c));
        }
        assert_eq!(Colour::DarkBlue.name(), "dark_blue");
        assert_eq!(Colour::from_name("green"), None);
    }
}
