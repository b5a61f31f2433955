//! Recursive-descent parser for the supported Python subset. Nesting depth
//! is bounded (`limits::MAX_PARSE_DEPTH`) so hostile input cannot exhaust
//! the (wasm) stack.

use crate::ast::*;
use crate::lexer::{tokenize, SyntaxErr, Tok, Token};
use crate::limits::MAX_PARSE_DEPTH;
use crate::value::Value;
use std::rc::Rc;

pub struct Parser {
    toks: Vec<Token>,
    pos: usize,
    depth: u32,
    in_class: bool,
    decorators: Vec<Expr>,
}

type PResult<T> = Result<T, SyntaxErr>;

pub fn parse_program(src: &str) -> PResult<Vec<Stmt>> {
    let toks = tokenize(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        in_class: false,
        decorators: Vec::new(),
    };
    let mut out = Vec::new();
    while !p.at(&Tok::Eof) {
        if p.at(&Tok::Newline) {
            p.pos += 1;
            continue;
        }
        p.statement(&mut out)?;
    }
    Ok(out)
}

fn name(id: &str) -> Name {
    Name {
        id: Rc::from(id),
        loc: Loc::Unresolved,
    }
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].tok
    }
    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].tok
    }
    fn line(&self) -> u32 {
        self.toks[self.pos.min(self.toks.len() - 1)].line
    }
    fn at(&self, t: &Tok) -> bool {
        self.peek() == t
    }
    fn at_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }
    fn at_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Name(n) if n == kw)
    }
    fn eat_op(&mut self, op: &str) -> bool {
        if self.at_op(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.at_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn err<T>(&self, msg: &str) -> PResult<T> {
        Err(SyntaxErr {
            kind: "SyntaxError",
            msg: msg.to_string(),
            line: self.line(),
        })
    }
    fn expect_op(&mut self, op: &str) -> PResult<()> {
        if self.eat_op(op) {
            Ok(())
        } else if op == ":" {
            self.err("expected ':'")
        } else {
            self.err("invalid syntax")
        }
    }
    fn ident(&mut self) -> PResult<Rc<str>> {
        if let Tok::Name(n) = self.peek() {
            if !is_keyword(n) {
                let r: Rc<str> = Rc::from(n.as_str());
                self.pos += 1;
                return Ok(r);
            }
        }
        self.err("invalid syntax")
    }
    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return self.err("too many nested parentheses");
        }
        Ok(())
    }

    fn block(&mut self) -> PResult<Vec<Stmt>> {
        self.expect_op(":")?;
        let mut body = Vec::new();
        if self.eat_simple_newline() {
            if !self.at(&Tok::Indent) {
                return Err(SyntaxErr {
                    kind: "IndentationError",
                    msg: "expected an indented block".into(),
                    line: self.line(),
                });
            }
            self.pos += 1;
            self.enter()?;
            while !self.at(&Tok::Dedent) && !self.at(&Tok::Eof) {
                self.statement(&mut body)?;
            }
            self.depth -= 1;
            self.pos += 1;
        } else {
            self.simple_stmts(&mut body)?;
        }
        Ok(body)
    }
    fn eat_simple_newline(&mut self) -> bool {
        if self.at(&Tok::Newline) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn statement(&mut self, out: &mut Vec<Stmt>) -> PResult<()> {
        let line = self.line();
        let kw = match self.peek() {
            Tok::Name(n) => n.clone(),
            Tok::Indent => {
                return Err(SyntaxErr {
                    kind: "IndentationError",
                    msg: "unexpected indent".into(),
                    line,
                })
            }
            _ => String::new(),
        };
        if self.eat_op("@") {
            let d = self.named_test()?;
            if !self.eat_simple_newline() {
                return self.err("invalid syntax");
            }
            self.decorators.push(d);
            if !self.at_kw("def") && !self.at_op("@") {
                return self.err("decorators are only supported on functions in the sandbox");
            }
            return self.statement(out);
        }
        if kw == "yield" || (kw == "async" && !self.decorators.is_empty()) {
            return self.err("generators ('yield') are not supported in the sandbox");
        }
        let kind = match kw.as_str() {
            "if" => {
                self.pos += 1;
                let mut arms = Vec::new();
                let c = self.named_test()?;
                let b = self.block()?;
                arms.push((c, b));
                let mut orelse = Vec::new();
                loop {
                    if self.eat_kw("elif") {
                        let c = self.named_test()?;
                        let b = self.block()?;
                        arms.push((c, b));
                    } else if self.eat_kw("else") {
                        orelse = self.block()?;
                        break;
                    } else {
                        break;
                    }
                }
                StmtKind::If(arms, orelse)
            }
            "while" => {
                self.pos += 1;
                let c = self.named_test()?;
                let b = self.block()?;
                let e = if self.eat_kw("else") {
                    self.block()?
                } else {
                    Vec::new()
                };
                StmtKind::While(c, b, e)
            }
            "for" => {
                self.pos += 1;
                let t = self.target_list()?;
                if !self.eat_kw("in") {
                    return self.err("invalid syntax");
                }
                let it = self.test_list()?;
                let b = self.block()?;
                let e = if self.eat_kw("else") {
                    self.block()?
                } else {
                    Vec::new()
                };
                StmtKind::For(t, it, b, e)
            }
            "def" => {
                self.pos += 1;
                let n = self.ident()?;
                self.expect_op("(")?;
                let params = self.params(")")?;
                self.expect_op(")")?;
                if self.eat_op("->") {
                    self.test()?;
                }
                let saved = self.in_class;
                self.in_class = false;
                let body = self.block()?;
                self.in_class = saved;
                let decorators = std::mem::take(&mut self.decorators);
                let f = FuncDef {
                    name: n.clone(),
                    params,
                    body,
                    nslots: 0,
                    in_class: saved,
                    decorators,
                    line,
                };
                StmtKind::Def(
                    Name {
                        id: n,
                        loc: Loc::Unresolved,
                    },
                    Rc::new(f),
                )
            }
            "class" => {
                self.pos += 1;
                let n = self.ident()?;
                let mut bases = Vec::new();
                if self.eat_op("(") {
                    while !self.at_op(")") {
                        bases.push(self.test()?);
                        if !self.eat_op(",") {
                            break;
                        }
                    }
                    self.expect_op(")")?;
                }
                let saved = self.in_class;
                self.in_class = true;
                let body = self.block()?;
                self.in_class = saved;
                StmtKind::Class(Rc::new(ClassDef {
                    name: Name {
                        id: n,
                        loc: Loc::Unresolved,
                    },
                    bases,
                    body,
                    nslots: 0,
                    slot_names: Vec::new(),
                }))
            }
            "try" => {
                self.pos += 1;
                let body = self.block()?;
                let mut handlers = Vec::new();
                while self.at_kw("except") {
                    let hline = self.line();
                    self.pos += 1;
                    let mut typ = None;
                    let mut nm = None;
                    if !self.at_op(":") {
                        typ = Some(self.test()?);
                        if self.eat_kw("as") {
                            nm = Some(Name {
                                id: self.ident()?,
                                loc: Loc::Unresolved,
                            });
                        }
                    }
                    let b = self.block()?;
                    handlers.push(Handler {
                        typ,
                        name: nm,
                        body: b,
                        line: hline,
                    });
                }
                let orelse = if self.eat_kw("else") {
                    self.block()?
                } else {
                    Vec::new()
                };
                let fin = if self.eat_kw("finally") {
                    self.block()?
                } else {
                    Vec::new()
                };
                if handlers.is_empty() && fin.is_empty() {
                    return self.err("expected 'except' or 'finally' block");
                }
                StmtKind::Try(body, handlers, orelse, fin)
            }
            "with" => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    let e = self.test()?;
                    let t = if self.eat_kw("as") {
                        Some(self.target()?)
                    } else {
                        None
                    };
                    items.push((e, t));
                    if !self.eat_op(",") {
                        break;
                    }
                }
                let b = self.block()?;
                StmtKind::With(items, b)
            }
            _ => {
                self.simple_stmts(out)?;
                return Ok(());
            }
        };
        out.push(Stmt { kind, line });
        Ok(())
    }

    fn simple_stmts(&mut self, out: &mut Vec<Stmt>) -> PResult<()> {
        loop {
            let line = self.line();
            let kind = self.simple_stmt()?;
            out.push(Stmt { kind, line });
            if self.eat_op(";") {
                if self.at(&Tok::Newline) {
                    break;
                }
                continue;
            }
            break;
        }
        if !self.eat_simple_newline() {
            return self.err("invalid syntax");
        }
        Ok(())
    }

    fn simple_stmt(&mut self) -> PResult<StmtKind> {
        let kw = match self.peek() {
            Tok::Name(n) => n.clone(),
            _ => String::new(),
        };
        match kw.as_str() {
            "pass" => {
                self.pos += 1;
                return Ok(StmtKind::Pass);
            }
            "break" => {
                self.pos += 1;
                return Ok(StmtKind::Break);
            }
            "continue" => {
                self.pos += 1;
                return Ok(StmtKind::Continue);
            }
            "return" => {
                self.pos += 1;
                if self.at(&Tok::Newline) || self.at_op(";") {
                    return Ok(StmtKind::Return(None));
                }
                return Ok(StmtKind::Return(Some(self.test_list_star()?)));
            }
            "raise" => {
                self.pos += 1;
                if self.at(&Tok::Newline) || self.at_op(";") {
                    return Ok(StmtKind::Raise(None, None));
                }
                let e = self.test()?;
                let cause = if self.eat_kw("from") {
                    Some(self.test()?)
                } else {
                    None
                };
                return Ok(StmtKind::Raise(Some(e), cause));
            }
            "assert" => {
                self.pos += 1;
                let t = self.test()?;
                let m = if self.eat_op(",") {
                    Some(self.test()?)
                } else {
                    None
                };
                return Ok(StmtKind::Assert(t, m));
            }
            "global" | "nonlocal" => {
                self.pos += 1;
                let mut names = vec![self.ident()?];
                while self.eat_op(",") {
                    names.push(self.ident()?);
                }
                return Ok(if kw == "global" {
                    StmtKind::Global(names)
                } else {
                    StmtKind::Nonlocal(names)
                });
            }
            "del" => {
                self.pos += 1;
                let mut t = vec![self.target()?];
                while self.eat_op(",") {
                    if self.at(&Tok::Newline) {
                        break;
                    }
                    t.push(self.target()?);
                }
                return Ok(StmtKind::Del(t));
            }
            "import" => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    let path = self.dotted()?;
                    let bound = if self.eat_kw("as") {
                        self.ident()?.to_string()
                    } else {
                        path.split('.').next().unwrap_or("").to_string()
                    };
                    items.push((path, name(&bound)));
                    if !self.eat_op(",") {
                        break;
                    }
                }
                return Ok(StmtKind::Import(items));
            }
            "from" => {
                self.pos += 1;
                let path = self.dotted()?;
                if !self.eat_kw("import") {
                    return self.err("invalid syntax");
                }
                let paren = self.eat_op("(");
                let mut items = Vec::new();
                if self.eat_op("*") {
                    items.push((Rc::from("*"), name("*")));
                } else {
                    loop {
                        let n = self.ident()?;
                        let b = if self.eat_kw("as") {
                            self.ident()?
                        } else {
                            n.clone()
                        };
                        items.push((
                            n,
                            Name {
                                id: b,
                                loc: Loc::Unresolved,
                            },
                        ));
                        if !self.eat_op(",") || (paren && self.at_op(")")) {
                            break;
                        }
                    }
                }
                if paren {
                    self.expect_op(")")?;
                }
                return Ok(StmtKind::ImportFrom(path, items));
            }
            _ => {}
        }
        let first = self.test_list_star()?;
        if self.eat_op(":") {
            // annotated assignment
            self.test()?;
            let v = if self.eat_op("=") {
                Some(self.test_list_star()?)
            } else {
                None
            };
            check_target(&first, self.line())?;
            return Ok(StmtKind::AnnAssign(first, v));
        }
        if let Tok::Op(op) = self.peek().clone() {
            if let Some(bop) = aug_op(op) {
                self.pos += 1;
                match first {
                    Expr::Name(_) | Expr::Attr(..) | Expr::Subscript(..) => {}
                    _ => {
                        return self
                            .err("'expression' is an illegal expression for augmented assignment")
                    }
                }
                let v = self.test_list_star()?;
                return Ok(StmtKind::AugAssign(first, bop, v));
            }
        }
        if self.at_op("=") {
            let mut targets = vec![first];
            let mut value;
            loop {
                self.expect_op("=")?;
                value = self.test_list_star()?;
                if self.at_op("=") {
                    targets.push(value);
                } else {
                    break;
                }
            }
            for t in &targets {
                check_target(t, self.line())?;
            }
            return Ok(StmtKind::Assign(targets, value));
        }
        Ok(StmtKind::Expr(first))
    }

    fn dotted(&mut self) -> PResult<String> {
        let mut s = self.ident()?.to_string();
        while self.eat_op(".") {
            s.push('.');
            s.push_str(&self.ident()?);
        }
        Ok(s)
    }

    fn params(&mut self, close: &str) -> PResult<Vec<Param>> {
        let mut ps: Vec<Param> = Vec::new();
        let mut kwonly = false;
        while !self.at_op(close) {
            if self.eat_op("**") {
                let n = self.ident()?;
                self.annotation(close)?;
                ps.push(Param {
                    name: n,
                    kind: ParamKind::KwArgs,
                    default: None,
                });
            } else if self.eat_op("*") {
                kwonly = true;
                if !self.at_op(",") {
                    let n = self.ident()?;
                    self.annotation(close)?;
                    ps.push(Param {
                        name: n,
                        kind: ParamKind::VarArgs,
                        default: None,
                    });
                }
            } else if self.eat_op("/") {
                // positional-only marker: accepted, not enforced
            } else {
                let n = self.ident()?;
                self.annotation(close)?;
                let default = if self.eat_op("=") {
                    Some(self.test()?)
                } else {
                    None
                };
                if default.is_none()
                    && !kwonly
                    && ps
                        .iter()
                        .any(|p| p.default.is_some() && p.kind == ParamKind::Normal)
                {
                    return self.err("non-default argument follows default argument");
                }
                if ps.iter().any(|p| p.name == n) {
                    return self.err(&format!(
                        "duplicate argument '{}' in function definition",
                        n
                    ));
                }
                let kind = if kwonly {
                    ParamKind::KwOnly
                } else {
                    ParamKind::Normal
                };
                ps.push(Param {
                    name: n,
                    kind,
                    default,
                });
            }
            if !self.eat_op(",") {
                break;
            }
        }
        Ok(ps)
    }
    fn annotation(&mut self, close: &str) -> PResult<()> {
        if close == ")" && self.eat_op(":") {
            self.test()?;
        }
        Ok(())
    }

    fn target(&mut self) -> PResult<Expr> {
        let e = self.bitor()?;
        check_target(&e, self.line())?;
        Ok(e)
    }
    /// Target list of a `for` or comprehension (stops before `in`).
    fn target_list(&mut self) -> PResult<Expr> {
        let mut items = Vec::new();
        let mut trailing;
        loop {
            let e = if self.eat_op("*") {
                Expr::Starred(Box::new(self.bitor()?))
            } else {
                self.bitor()?
            };
            items.push(e);
            trailing = false;
            if !self.eat_op(",") {
                break;
            }
            trailing = true;
            if self.at_kw("in") {
                break;
            }
        }
        let e = if items.len() == 1 && !trailing {
            items.pop().unwrap_or(Expr::Tuple(Vec::new()))
        } else {
            Expr::Tuple(items)
        };
        check_target(&e, self.line())?;
        Ok(e)
    }

    pub fn test_list(&mut self) -> PResult<Expr> {
        let first = self.test()?;
        if !self.at_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_expr_end() {
                break;
            }
            items.push(self.test()?);
        }
        Ok(Expr::Tuple(items))
    }
    fn at_expr_end(&self) -> bool {
        matches!(self.peek(), Tok::Newline | Tok::Eof)
            || self.at_op("=")
            || self.at_op(")")
            || self.at_op(":")
            || self.at_op(";")
            || self.at_op("]")
            || self.at_op("}")
    }
    /// Tuple of tests allowing `*x` items (assignment right-hand sides).
    fn test_list_star(&mut self) -> PResult<Expr> {
        let first = self.star_or_named()?;
        if !self.at_op(",") {
            if let Expr::Starred(_) = first {
                return self.err("can't use starred expression here");
            }
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_expr_end() || aug_op_tok(self.peek()) {
                break;
            }
            items.push(self.star_or_named()?);
        }
        Ok(Expr::Tuple(items))
    }
    fn star_or_named(&mut self) -> PResult<Expr> {
        if self.eat_op("*") {
            return Ok(Expr::Starred(Box::new(self.bitor()?)));
        }
        self.named_test()
    }
    fn named_test(&mut self) -> PResult<Expr> {
        if let (Tok::Name(n), Tok::Op(":=")) = (self.peek().clone(), self.peek_at(1).clone()) {
            self.pos += 2;
            let v = self.test()?;
            return Ok(Expr::Walrus(name(&n), Box::new(v)));
        }
        self.test()
    }

    pub fn test(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.test_inner();
        self.depth -= 1;
        r
    }
    fn test_inner(&mut self) -> PResult<Expr> {
        if self.eat_kw("lambda") {
            let line = self.line();
            let params = self.params(":")?;
            self.expect_op(":")?;
            let saved = self.in_class;
            self.in_class = false;
            let body = self.test()?;
            self.in_class = saved;
            let f = FuncDef {
                name: Rc::from("<lambda>"),
                params,
                body: vec![Stmt {
                    kind: StmtKind::Return(Some(body)),
                    line,
                }],
                nslots: 0,
                in_class: saved,
                decorators: Vec::new(),
                line,
            };
            return Ok(Expr::Lambda(Rc::new(f)));
        }
        let e = self.or_test()?;
        if self.at_kw("if") {
            // do not swallow comprehension `if`
            let save = self.pos;
            self.pos += 1;
            let c = self.or_test()?;
            if self.eat_kw("else") {
                let o = self.test()?;
                return Ok(Expr::IfExp(Box::new(c), Box::new(e), Box::new(o)));
            }
            self.pos = save;
            return self.err("expected 'else' after 'if' expression");
        }
        Ok(e)
    }
    fn or_test(&mut self) -> PResult<Expr> {
        let e = self.and_test()?;
        if !self.at_kw("or") {
            return Ok(e);
        }
        let mut v = vec![e];
        while self.eat_kw("or") {
            v.push(self.and_test()?);
        }
        Ok(Expr::BoolOp(false, v))
    }
    fn and_test(&mut self) -> PResult<Expr> {
        let e = self.not_test()?;
        if !self.at_kw("and") {
            return Ok(e);
        }
        let mut v = vec![e];
        while self.eat_kw("and") {
            v.push(self.not_test()?);
        }
        Ok(Expr::BoolOp(true, v))
    }
    fn not_test(&mut self) -> PResult<Expr> {
        if self.eat_kw("not") {
            self.enter()?;
            let e = self.not_test()?;
            self.depth -= 1;
            return Ok(Expr::Unary(UnOp::Not, Box::new(e)));
        }
        self.comparison()
    }
    fn comparison(&mut self) -> PResult<Expr> {
        let e = self.bitor()?;
        let mut ops = Vec::new();
        loop {
            let op = match self.peek() {
                Tok::Op("<") => CmpOp::Lt,
                Tok::Op(">") => CmpOp::Gt,
                Tok::Op("==") => CmpOp::Eq,
                Tok::Op("!=") => CmpOp::Ne,
                Tok::Op("<=") => CmpOp::Le,
                Tok::Op(">=") => CmpOp::Ge,
                Tok::Name(n) if n == "in" => CmpOp::In,
                Tok::Name(n) if n == "is" => {
                    if let Tok::Name(m) = self.peek_at(1) {
                        if m == "not" {
                            self.pos += 1;
                            CmpOp::IsNot
                        } else {
                            CmpOp::Is
                        }
                    } else {
                        CmpOp::Is
                    }
                }
                Tok::Name(n) if n == "not" => {
                    if let Tok::Name(m) = self.peek_at(1) {
                        if m == "in" {
                            self.pos += 1;
                            CmpOp::NotIn
                        } else {
                            break;
                        }
                    } else {
                        break;
                    }
                }
                _ => break,
            };
            self.pos += 1;
            ops.push((op, self.bitor()?));
        }
        if ops.is_empty() {
            Ok(e)
        } else {
            Ok(Expr::Compare(Box::new(e), ops))
        }
    }
    fn binary(&mut self, level: u8) -> PResult<Expr> {
        if level == 6 {
            return self.factor();
        }
        let mut e = self.binary(level + 1)?;
        loop {
            let op = match (level, self.peek()) {
                (0, Tok::Op("|")) => BinOp::BitOr,
                (1, Tok::Op("^")) => BinOp::BitXor,
                (2, Tok::Op("&")) => BinOp::BitAnd,
                (3, Tok::Op("<<")) => BinOp::LShift,
                (3, Tok::Op(">>")) => BinOp::RShift,
                (4, Tok::Op("+")) => BinOp::Add,
                (4, Tok::Op("-")) => BinOp::Sub,
                (5, Tok::Op("*")) => BinOp::Mul,
                (5, Tok::Op("/")) => BinOp::Div,
                (5, Tok::Op("//")) => BinOp::FloorDiv,
                (5, Tok::Op("%")) => BinOp::Mod,
                (5, Tok::Op("@")) => BinOp::MatMul,
                _ => break,
            };
            self.pos += 1;
            let r = self.binary(level + 1)?;
            e = Expr::Bin(Box::new(e), op, Box::new(r));
        }
        Ok(e)
    }
    fn bitor(&mut self) -> PResult<Expr> {
        self.binary(0)
    }
    fn factor(&mut self) -> PResult<Expr> {
        let op = match self.peek() {
            Tok::Op("-") => Some(UnOp::Neg),
            Tok::Op("+") => Some(UnOp::Pos),
            Tok::Op("~") => Some(UnOp::Invert),
            _ => None,
        };
        if let Some(op) = op {
            self.pos += 1;
            self.enter()?;
            let e = self.factor()?;
            self.depth -= 1;
            return Ok(match (op, e) {
                (UnOp::Neg, Expr::Const(Value::Int(i))) if i != i64::MIN => {
                    Expr::Const(Value::Int(-i))
                }
                (UnOp::Neg, Expr::Const(Value::Float(f))) => Expr::Const(Value::Float(-f)),
                (op, e) => Expr::Unary(op, Box::new(e)),
            });
        }
        self.power()
    }
    fn power(&mut self) -> PResult<Expr> {
        let e = self.primary()?;
        if self.eat_op("**") {
            self.enter()?;
            let r = self.factor()?;
            self.depth -= 1;
            return Ok(Expr::Bin(Box::new(e), BinOp::Pow, Box::new(r)));
        }
        Ok(e)
    }
    fn primary(&mut self) -> PResult<Expr> {
        let mut e = self.atom()?;
        loop {
            if self.eat_op("(") {
                self.enter()?;
                let args = self.call_args()?;
                self.depth -= 1;
                self.expect_op(")")?;
                e = Expr::Call(Box::new(e), args);
            } else if self.eat_op("[") {
                self.enter()?;
                let idx = self.subscript()?;
                self.depth -= 1;
                self.expect_op("]")?;
                e = Expr::Subscript(Box::new(e), Box::new(idx));
            } else if self.eat_op(".") {
                let n = self.ident()?;
                e = Expr::Attr(Box::new(e), n);
            } else {
                break;
            }
        }
        Ok(e)
    }
    fn call_args(&mut self) -> PResult<Vec<Arg>> {
        let mut args = Vec::new();
        while !self.at_op(")") {
            if self.eat_op("**") {
                args.push(Arg::StarStar(self.test()?));
            } else if self.eat_op("*") {
                args.push(Arg::Star(self.test()?));
            } else if let (Tok::Name(n), Tok::Op("=")) =
                (self.peek().clone(), self.peek_at(1).clone())
            {
                self.pos += 2;
                args.push(Arg::Kw(Rc::from(n.as_str()), self.test()?));
            } else {
                let e = self.named_test()?;
                if self.at_kw("for") {
                    let c = self.comp_tail(CompKind::Gen, e, None)?;
                    args.push(Arg::Pos(c));
                } else {
                    args.push(Arg::Pos(e));
                }
            }
            if !self.eat_op(",") {
                break;
            }
        }
        Ok(args)
    }
    fn subscript(&mut self) -> PResult<Expr> {
        let first = self.slice_item()?;
        if !self.at_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op("]") {
                break;
            }
            items.push(self.slice_item()?);
        }
        Ok(Expr::Tuple(items))
    }
    fn slice_item(&mut self) -> PResult<Expr> {
        let lo = if self.at_op(":") {
            None
        } else {
            Some(Box::new(self.named_test()?))
        };
        if !self.eat_op(":") {
            return lo
                .map(|b| *b)
                .ok_or_else(|| self.err::<()>("invalid syntax").unwrap_err());
        }
        let hi = if self.at_op(":") || self.at_op("]") || self.at_op(",") {
            None
        } else {
            Some(Box::new(self.test()?))
        };
        let mut step = None;
        if self.eat_op(":") && !(self.at_op("]") || self.at_op(",")) {
            step = Some(Box::new(self.test()?));
        }
        Ok(Expr::Slice(lo, hi, step))
    }
    fn comp_tail(&mut self, kind: CompKind, elt: Expr, val: Option<Expr>) -> PResult<Expr> {
        let mut gens = Vec::new();
        while self.eat_kw("for") {
            let target = self.target_list()?;
            if !self.eat_kw("in") {
                return self.err("invalid syntax");
            }
            let iter = self.or_test()?;
            let mut ifs = Vec::new();
            while self.eat_kw("if") {
                ifs.push(self.or_test_nocond()?);
            }
            gens.push(CompFor { target, iter, ifs });
        }
        Ok(Expr::Comp(Rc::new(Comp {
            kind,
            elt,
            val,
            gens,
            nslots: 0,
        })))
    }
    fn or_test_nocond(&mut self) -> PResult<Expr> {
        self.or_test()
    }

    fn atom(&mut self) -> PResult<Expr> {
        let line = self.line();
        let t = self.peek().clone();
        match t {
            Tok::Int(v) => {
                self.pos += 1;
                Ok(Expr::Const(Value::from_bigint(v)))
            }
            Tok::Float(f) => {
                self.pos += 1;
                Ok(Expr::Const(Value::Float(f)))
            }
            Tok::Str(..) => self.strings(),
            Tok::Name(n) => {
                self.pos += 1;
                match n.as_str() {
                    "None" => Ok(Expr::Const(Value::None)),
                    "True" => Ok(Expr::Const(Value::Bool(true))),
                    "False" => Ok(Expr::Const(Value::Bool(false))),
                    _ if is_keyword(&n) => {
                        self.pos -= 1;
                        self.err("invalid syntax")
                    }
                    _ => Ok(Expr::Name(name(&n))),
                }
            }
            Tok::Op("...") => {
                self.pos += 1;
                Ok(Expr::Const(Value::Ellipsis))
            }
            Tok::Op("(") => {
                self.pos += 1;
                self.enter()?;
                let r = self.paren();
                self.depth -= 1;
                r
            }
            Tok::Op("[") => {
                self.pos += 1;
                self.enter()?;
                let r = self.bracket();
                self.depth -= 1;
                r
            }
            Tok::Op("{") => {
                self.pos += 1;
                self.enter()?;
                let r = self.brace();
                self.depth -= 1;
                r
            }
            _ => Err(SyntaxErr {
                kind: "SyntaxError",
                msg: "invalid syntax".into(),
                line,
            }),
        }
    }
    fn paren(&mut self) -> PResult<Expr> {
        if self.eat_op(")") {
            return Ok(Expr::Tuple(Vec::new()));
        }
        let first = self.star_or_named()?;
        if self.at_kw("for") {
            let c = self.comp_tail(CompKind::Gen, first, None)?;
            self.expect_op(")")?;
            return Ok(c);
        }
        if self.eat_op(")") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op(")") {
                break;
            }
            items.push(self.star_or_named()?);
        }
        self.expect_op(")")?;
        Ok(Expr::Tuple(items))
    }
    fn bracket(&mut self) -> PResult<Expr> {
        if self.eat_op("]") {
            return Ok(Expr::List(Vec::new()));
        }
        let first = self.star_or_named()?;
        if self.at_kw("for") {
            let c = self.comp_tail(CompKind::List, first, None)?;
            self.expect_op("]")?;
            return Ok(c);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op("]") {
                break;
            }
            items.push(self.star_or_named()?);
        }
        self.expect_op("]")?;
        Ok(Expr::List(items))
    }
    fn brace(&mut self) -> PResult<Expr> {
        if self.eat_op("}") {
            return Ok(Expr::Dict(Vec::new()));
        }
        if self.eat_op("**") {
            let m = self.bitor()?;
            return self.dict_rest(vec![(None, m)]);
        }
        let first = self.star_or_named()?;
        if self.eat_op(":") {
            let v = self.test()?;
            if self.at_kw("for") {
                let c = self.comp_tail(CompKind::Dict, first, Some(v))?;
                self.expect_op("}")?;
                return Ok(c);
            }
            return self.dict_rest(vec![(Some(first), v)]);
        }
        if self.at_kw("for") {
            let c = self.comp_tail(CompKind::Set, first, None)?;
            self.expect_op("}")?;
            return Ok(c);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op("}") {
                break;
            }
            items.push(self.star_or_named()?);
        }
        self.expect_op("}")?;
        Ok(Expr::Set(items))
    }
    fn dict_rest(&mut self, mut items: Vec<(Option<Expr>, Expr)>) -> PResult<Expr> {
        while self.eat_op(",") {
            if self.at_op("}") {
                break;
            }
            if self.eat_op("**") {
                items.push((None, self.bitor()?));
                continue;
            }
            let k = self.test()?;
            self.expect_op(":")?;
            items.push((Some(k), self.test()?));
        }
        self.expect_op("}")?;
        Ok(Expr::Dict(items))
    }
    fn strings(&mut self) -> PResult<Expr> {
        let line = self.line();
        let mut parts: Vec<FPart> = Vec::new();
        let mut any_f = false;
        while let Tok::Str(s, f) = self.peek().clone() {
            self.pos += 1;
            if f {
                any_f = true;
                parts.extend(parse_fstring(&s, line, 0)?);
            } else {
                parts.push(FPart::Lit(s));
            }
        }
        if !any_f {
            let mut s = String::new();
            for p in parts {
                if let FPart::Lit(l) = p {
                    s.push_str(&l);
                }
            }
            return Ok(Expr::Const(Value::str(&s)));
        }
        Ok(Expr::FStr(parts))
    }
}

/// Split an f-string body into literal and `{expr!c:spec}` parts.
fn parse_fstring(s: &str, line: u32, depth: u32) -> PResult<Vec<FPart>> {
    let chars: Vec<char> = s.chars().collect();
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    let err = |m: &str| SyntaxErr {
        kind: "SyntaxError",
        msg: format!("f-string: {}", m),
        line,
    };
    if depth > 4 {
        return Err(err("expressions nested too deeply"));
    }
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() && (chars[i + 1] == '{' || chars[i + 1] == '}') {
            lit.push('\\');
            i += 1;
            continue;
        }
        if c == '{' {
            if i + 1 < chars.len() && chars[i + 1] == '{' {
                lit.push('{');
                i += 2;
                continue;
            }
            if !lit.is_empty() {
                parts.push(FPart::Lit(std::mem::take(&mut lit)));
            }
            // find the end of the expression: matching brackets, outside quotes
            let mut j = i + 1;
            let mut nest = 0i32;
            let mut quote: Option<char> = None;
            while j < chars.len() {
                let d = chars[j];
                if let Some(q) = quote {
                    if d == q {
                        quote = None;
                    }
                } else if d == '\'' || d == '"' {
                    quote = Some(d);
                } else if d == '(' || d == '[' || d == '{' {
                    nest += 1;
                } else if d == ')' || d == ']' || d == '}' {
                    if nest == 0 {
                        break;
                    }
                    nest -= 1;
                } else if nest == 0
                    && (d == ':' || d == '!')
                    && !(d == '!' && chars.get(j + 1) == Some(&'='))
                {
                    break;
                }
                j += 1;
            }
            let mut expr_text: String = chars[i + 1..j.min(chars.len())].iter().collect();
            let mut self_doc = None;
            if expr_text.trim_end().ends_with('=') && !expr_text.trim_end().ends_with("==") {
                let t = expr_text.trim_end();
                self_doc = Some(expr_text.clone());
                expr_text = t[..t.len() - 1].to_string();
            }
            if expr_text.trim().is_empty() {
                return Err(err("empty expression not allowed"));
            }
            let mut conv = None;
            if j < chars.len() && chars[j] == '!' {
                conv = chars.get(j + 1).copied();
                if !matches!(conv, Some('r') | Some('s') | Some('a')) {
                    return Err(err(
                        "invalid conversion character: expected 's', 'r', or 'a'",
                    ));
                }
                j += 2;
            }
            let mut spec = Vec::new();
            if j < chars.len() && chars[j] == ':' {
                let mut k = j + 1;
                let mut n2 = 0;
                while k < chars.len() {
                    if chars[k] == '{' {
                        n2 += 1;
                    } else if chars[k] == '}' {
                        if n2 == 0 {
                            break;
                        }
                        n2 -= 1;
                    }
                    k += 1;
                }
                let spec_text: String = chars[j + 1..k.min(chars.len())].iter().collect();
                spec = parse_fstring(&spec_text, line, depth + 1)?;
                j = k;
            }
            if j >= chars.len() || chars[j] != '}' {
                return Err(err("expecting '}'"));
            }
            let toks = tokenize(&format!("({})", expr_text.replace('\n', " ")))
                .map_err(|e| SyntaxErr { line, ..e })?;
            let mut p = Parser {
                toks,
                pos: 0,
                depth: depth * 20,
                in_class: false,
                decorators: Vec::new(),
            };
            let e = p.test_list().map_err(|e| SyntaxErr { line, ..e })?;
            if !p.at(&Tok::Newline) {
                return Err(err("invalid syntax"));
            }
            if let Some(doc) = self_doc {
                parts.push(FPart::Lit(doc));
                if conv.is_none() && spec.is_empty() {
                    conv = Some('r');
                }
            }
            parts.push(FPart::Expr(Box::new(e), conv, spec));
            i = j + 1;
            continue;
        }
        if c == '}' {
            if i + 1 < chars.len() && chars[i + 1] == '}' {
                lit.push('}');
                i += 2;
                continue;
            }
            return Err(err("single '}' is not allowed"));
        }
        lit.push(c);
        i += 1;
    }
    if !lit.is_empty() {
        parts.push(FPart::Lit(lit));
    }
    Ok(parts)
}

fn check_target(e: &Expr, line: u32) -> PResult<()> {
    match e {
        Expr::Name(_) | Expr::Attr(..) | Expr::Subscript(..) => Ok(()),
        Expr::Tuple(v) | Expr::List(v) => v.iter().try_for_each(|x| check_target(x, line)),
        Expr::Starred(x) => check_target(x, line),
        Expr::Call(..) => Err(SyntaxErr {
            kind: "SyntaxError",
            msg: "cannot assign to function call here. Maybe you meant '==' instead of '='?".into(),
            line,
        }),
        Expr::Const(_) => Err(SyntaxErr {
            kind: "SyntaxError",
            msg: "cannot assign to literal here. Maybe you meant '==' instead of '='?".into(),
            line,
        }),
        _ => Err(SyntaxErr {
            kind: "SyntaxError",
            msg: "cannot assign to expression".into(),
            line,
        }),
    }
}

fn aug_op(op: &str) -> Option<BinOp> {
    Some(match op {
        "+=" => BinOp::Add,
        "-=" => BinOp::Sub,
        "*=" => BinOp::Mul,
        "/=" => BinOp::Div,
        "//=" => BinOp::FloorDiv,
        "%=" => BinOp::Mod,
        "**=" => BinOp::Pow,
        "<<=" => BinOp::LShift,
        ">>=" => BinOp::RShift,
        "&=" => BinOp::BitAnd,
        "|=" => BinOp::BitOr,
        "^=" => BinOp::BitXor,
        "@=" => BinOp::MatMul,
        _ => return None,
    })
}
fn aug_op_tok(t: &Tok) -> bool {
    matches!(t, Tok::Op(o) if aug_op(o).is_some())
}

pub fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "False"
            | "None"
            | "True"
            | "and"
            | "as"
            | "assert"
            | "async"
            | "await"
            | "break"
            | "class"
            | "continue"
            | "def"
            | "del"
            | "elif"
            | "else"
            | "except"
            | "finally"
            | "for"
            | "from"
            | "global"
            | "if"
            | "import"
            | "in"
            | "is"
            | "lambda"
            | "nonlocal"
            | "not"
            | "or"
            | "pass"
            | "raise"
            | "return"
            | "try"
            | "while"
            | "with"
            | "yield"
    )
}
