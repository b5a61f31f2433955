//! Syntax tree produced by `parser` and annotated in place by `resolve`
//! (every `Name` gets a `Loc`, every scope its slot count).

use crate::value::Value;
use std::rc::Rc;

/// Where a name lives at run time, decided once by `resolve`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Loc {
    Unresolved,
    /// Slot in the current frame.
    Local(u32),
    /// Slot in the frame `depth` links up the closure chain.
    Outer(u32, u32),
    /// Slot in the module frame.
    Global(u32),
    /// Not bound anywhere: a builtin or a NameError.
    Builtin,
}

#[derive(Clone, Debug)]
pub struct Name {
    pub id: Rc<str>,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitAnd,
    BitOr,
    BitXor,
    MatMul,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnOp {
    Neg,
    Pos,
    Not,
    Invert,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
}

#[derive(Clone, Debug)]
pub enum Arg {
    Pos(Expr),
    Star(Expr),
    Kw(Rc<str>, Expr),
    StarStar(Expr),
}

#[derive(Clone, Debug)]
pub enum FPart {
    Lit(String),
    /// expression, conversion (`r`, `s`, `a`), format spec (itself an f-string)
    Expr(Box<Expr>, Option<char>, Vec<FPart>),
}

#[derive(Clone, Debug)]
pub struct CompFor {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CompKind {
    List,
    Set,
    Gen,
    Dict,
}

#[derive(Clone, Debug)]
pub struct Comp {
    pub kind: CompKind,
    pub elt: Expr,
    /// Value expression for dict comprehensions.
    pub val: Option<Expr>,
    pub gens: Vec<CompFor>,
    pub nslots: u32,
}

#[derive(Clone, Debug)]
pub enum Expr {
    Const(Value),
    Name(Name),
    FStr(Vec<FPart>),
    Bin(Box<Expr>, BinOp, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    /// `and` (true) / `or` (false) chain
    BoolOp(bool, Vec<Expr>),
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    IfExp(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Arg>),
    Attr(Box<Expr>, Rc<str>),
    Subscript(Box<Expr>, Box<Expr>),
    Slice(Option<Box<Expr>>, Option<Box<Expr>>, Option<Box<Expr>>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Set(Vec<Expr>),
    /// `None` key means `**mapping`
    Dict(Vec<(Option<Expr>, Expr)>),
    Starred(Box<Expr>),
    Comp(Rc<Comp>),
    Lambda(Rc<FuncDef>),
    Walrus(Name, Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    Normal,
    VarArgs,
    KwOnly,
    KwArgs,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: Rc<str>,
    pub kind: ParamKind,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug)]
pub struct FuncDef {
    pub name: Rc<str>,
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
    /// Number of frame slots; parameters occupy the first `params.len()`.
    pub nslots: u32,
    /// Defined directly in a class body: its closure skips the class frame.
    pub in_class: bool,
    /// Decorator expressions, applied bottom-up after the function is made.
    pub decorators: Vec<Expr>,
    pub line: u32,
}

#[derive(Clone, Debug)]
pub struct ClassDef {
    pub name: Name,
    pub bases: Vec<Expr>,
    pub body: Vec<Stmt>,
    pub nslots: u32,
    /// Slot names of the class body scope (they become class attributes).
    pub slot_names: Vec<Rc<str>>,
}

#[derive(Clone, Debug)]
pub struct Handler {
    pub typ: Option<Expr>,
    pub name: Option<Name>,
    pub body: Vec<Stmt>,
    pub line: u32,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    Expr(Expr),
    Assign(Vec<Expr>, Expr),
    AugAssign(Expr, BinOp, Expr),
    AnnAssign(Expr, Option<Expr>),
    If(Vec<(Expr, Vec<Stmt>)>, Vec<Stmt>),
    While(Expr, Vec<Stmt>, Vec<Stmt>),
    For(Expr, Expr, Vec<Stmt>, Vec<Stmt>),
    Break,
    Continue,
    Pass,
    Return(Option<Expr>),
    Def(Name, Rc<FuncDef>),
    Class(Rc<ClassDef>),
    Try(Vec<Stmt>, Vec<Handler>, Vec<Stmt>, Vec<Stmt>),
    Raise(Option<Expr>, Option<Expr>),
    Assert(Expr, Option<Expr>),
    Global(Vec<Rc<str>>),
    Nonlocal(Vec<Rc<str>>),
    Del(Vec<Expr>),
    /// `import a.b as c` (module path, bound name)
    Import(Vec<(String, Name)>),
    /// `from m import a as b` (module, [(attr, bound name)])
    ImportFrom(String, Vec<(Rc<str>, Name)>),
    With(Vec<(Expr, Option<Expr>)>, Vec<Stmt>),
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub line: u32,
}
