//! Scope analysis: decides once, before running, where every name lives
//! (frame slot, enclosing frame, module slot or builtin), following Python's
//! rules (assignment makes a name local; `global`/`nonlocal`; class bodies are
//! not visible to their methods; comprehensions have their own scope).

use crate::ast::*;
use crate::lexer::SyntaxErr;
use std::collections::HashSet;
use std::rc::Rc;

#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Module,
    Function,
    Class,
    Comp,
}

struct Scope {
    kind: Kind,
    names: Vec<Rc<str>>,
    globals: HashSet<Rc<str>>,
    nonlocals: HashSet<Rc<str>>,
}

impl Scope {
    fn slot(&self, n: &str) -> Option<u32> {
        self.names.iter().position(|x| &**x == n).map(|i| i as u32)
    }
    fn add(&mut self, n: &Rc<str>) {
        if self.slot(n).is_none() && !self.globals.contains(n) && !self.nonlocals.contains(n) {
            self.names.push(n.clone());
        }
    }
}

pub struct Resolver {
    scopes: Vec<Scope>,
}

type RResult = Result<(), SyntaxErr>;

/// Resolve a module; returns the module's slot names.
pub fn resolve_module(body: &mut [Stmt]) -> Result<Vec<Rc<str>>, SyntaxErr> {
    let mut r = Resolver { scopes: Vec::new() };
    let mut sc = Scope {
        kind: Kind::Module,
        names: Vec::new(),
        globals: HashSet::new(),
        nonlocals: HashSet::new(),
    };
    collect_block(body, &mut sc);
    // names declared `global` anywhere need a module slot too
    let mut gl = Vec::new();
    collect_globals(body, &mut gl);
    for g in gl {
        sc.add(&g);
    }
    r.scopes.push(sc);
    r.block(body)?;
    Ok(r.scopes.pop().map(|s| s.names).unwrap_or_default())
}

fn collect_globals(body: &[Stmt], out: &mut Vec<Rc<str>>) {
    for s in body {
        match &s.kind {
            StmtKind::Global(n) => out.extend(n.iter().cloned()),
            StmtKind::Def(_, f) => collect_globals(&f.body, out),
            StmtKind::Class(c) => collect_globals(&c.body, out),
            _ => for_each_child_block(&s.kind, &mut |b| collect_globals(b, out)),
        }
    }
}

fn for_each_child_block(k: &StmtKind, f: &mut dyn FnMut(&[Stmt])) {
    match k {
        StmtKind::If(arms, e) => {
            for (_, b) in arms {
                f(b);
            }
            f(e);
        }
        StmtKind::While(_, b, e) | StmtKind::For(_, _, b, e) => {
            f(b);
            f(e);
        }
        StmtKind::Try(b, hs, e, fin) => {
            f(b);
            for h in hs {
                f(&h.body);
            }
            f(e);
            f(fin);
        }
        StmtKind::With(_, b) => f(b),
        _ => {}
    }
}

fn collect_target(e: &Expr, sc: &mut Scope) {
    match e {
        Expr::Name(n) => sc.add(&n.id),
        Expr::Tuple(v) | Expr::List(v) => v.iter().for_each(|x| collect_target(x, sc)),
        Expr::Starred(x) => collect_target(x, sc),
        _ => {}
    }
}

/// Collect walrus targets inside an expression (they bind in this scope).
fn collect_walrus(e: &Expr, sc: &mut Scope) {
    match e {
        Expr::Walrus(n, v) => {
            sc.add(&n.id);
            collect_walrus(v, sc);
        }
        Expr::Bin(a, _, b) | Expr::Subscript(a, b) => {
            collect_walrus(a, sc);
            collect_walrus(b, sc);
        }
        Expr::Unary(_, a) | Expr::Attr(a, _) | Expr::Starred(a) => collect_walrus(a, sc),
        Expr::BoolOp(_, v) | Expr::List(v) | Expr::Tuple(v) | Expr::Set(v) => {
            v.iter().for_each(|x| collect_walrus(x, sc))
        }
        Expr::Compare(a, ops) => {
            collect_walrus(a, sc);
            ops.iter().for_each(|(_, x)| collect_walrus(x, sc));
        }
        Expr::IfExp(a, b, c) => {
            collect_walrus(a, sc);
            collect_walrus(b, sc);
            collect_walrus(c, sc);
        }
        Expr::Call(f, args) => {
            collect_walrus(f, sc);
            for a in args {
                match a {
                    Arg::Pos(x) | Arg::Star(x) | Arg::Kw(_, x) | Arg::StarStar(x) => {
                        collect_walrus(x, sc)
                    }
                }
            }
        }
        _ => {}
    }
}

/// Record the names a block binds (without entering nested scopes).
fn collect_block(body: &[Stmt], sc: &mut Scope) {
    for s in body {
        match &s.kind {
            StmtKind::Global(ns) => {
                for n in ns {
                    sc.globals.insert(n.clone());
                }
            }
            StmtKind::Nonlocal(ns) => {
                for n in ns {
                    sc.nonlocals.insert(n.clone());
                }
            }
            _ => {}
        }
    }
    for s in body {
        match &s.kind {
            StmtKind::Assign(ts, v) => {
                ts.iter().for_each(|t| collect_target(t, sc));
                collect_walrus(v, sc);
            }
            StmtKind::AugAssign(t, _, _) | StmtKind::AnnAssign(t, _) => collect_target(t, sc),
            StmtKind::Return(Some(e)) => collect_walrus(e, sc),
            StmtKind::For(t, it, _, _) => {
                collect_target(t, sc);
                collect_walrus(it, sc);
            }
            StmtKind::Expr(e) => collect_walrus(e, sc),
            StmtKind::Def(n, _) => sc.add(&n.id),
            StmtKind::Class(c) => sc.add(&c.name.id),
            StmtKind::Import(items) => items.iter().for_each(|(_, n)| sc.add(&n.id)),
            StmtKind::ImportFrom(_, items) => items.iter().for_each(|(_, n)| sc.add(&n.id)),
            StmtKind::Del(ts) => ts.iter().for_each(|t| collect_target(t, sc)),
            StmtKind::With(items, _) => {
                for (_, t) in items {
                    if let Some(t) = t {
                        collect_target(t, sc);
                    }
                }
            }
            StmtKind::Try(_, hs, _, _) => {
                for h in hs {
                    if let Some(n) = &h.name {
                        sc.add(&n.id);
                    }
                }
            }
            StmtKind::If(arms, _) => arms.iter().for_each(|(c, _)| collect_walrus(c, sc)),
            StmtKind::While(c, _, _) => collect_walrus(c, sc),
            _ => {}
        }
        for_each_child_block(&s.kind, &mut |b| collect_block(b, sc));
    }
}

impl Resolver {
    fn err(&self, msg: String, line: u32) -> SyntaxErr {
        SyntaxErr {
            kind: "SyntaxError",
            msg,
            line,
        }
    }

    fn lookup(&self, n: &str) -> Loc {
        let cur = self.scopes.len() - 1;
        let top = &self.scopes[cur];
        if top.globals.contains(n) {
            return self.module_loc(n);
        }
        if !top.nonlocals.contains(n) {
            if let Some(s) = top.slot(n) {
                return if top.kind == Kind::Module {
                    Loc::Global(s)
                } else {
                    Loc::Local(s)
                };
            }
        }
        let mut depth = 0u32;
        for i in (0..cur).rev() {
            let sc = &self.scopes[i];
            // class scopes are invisible to nested scopes (and not in the frame chain)
            if sc.kind == Kind::Class {
                continue;
            }
            depth += 1;
            if sc.kind == Kind::Module {
                break;
            }
            if sc.globals.contains(n) {
                return self.module_loc(n);
            }
            if let Some(s) = sc.slot(n) {
                if !sc.nonlocals.contains(n) {
                    return Loc::Outer(depth, s);
                }
            }
        }
        self.module_loc(n)
    }
    fn module_loc(&self, n: &str) -> Loc {
        match self.scopes[0].slot(n) {
            Some(s) => Loc::Global(s),
            None => Loc::Builtin,
        }
    }
    fn name(&self, n: &mut Name) {
        n.loc = self.lookup(&n.id);
    }

    fn block(&mut self, body: &mut [Stmt]) -> RResult {
        for s in body.iter_mut() {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &mut Stmt) -> RResult {
        let line = s.line;
        match &mut s.kind {
            StmtKind::Expr(e) => self.expr(e)?,
            StmtKind::Assign(ts, v) => {
                self.expr(v)?;
                for t in ts {
                    self.expr(t)?;
                }
            }
            StmtKind::AugAssign(t, _, v) => {
                self.expr(v)?;
                self.expr(t)?;
            }
            StmtKind::AnnAssign(t, v) => {
                if let Some(v) = v {
                    self.expr(v)?;
                }
                self.expr(t)?;
            }
            StmtKind::If(arms, e) => {
                for (c, b) in arms {
                    self.expr(c)?;
                    self.block(b)?;
                }
                self.block(e)?;
            }
            StmtKind::While(c, b, e) => {
                self.expr(c)?;
                self.block(b)?;
                self.block(e)?;
            }
            StmtKind::For(t, it, b, e) => {
                self.expr(it)?;
                self.expr(t)?;
                self.block(b)?;
                self.block(e)?;
            }
            StmtKind::Return(v) => {
                if self.scopes.last().map(|s| s.kind) != Some(Kind::Function) {
                    return Err(self.err("'return' outside function".into(), line));
                }
                if let Some(v) = v {
                    self.expr(v)?;
                }
            }
            StmtKind::Def(n, f) => {
                self.name(n);
                let fd =
                    Rc::get_mut(f).ok_or_else(|| self.err("internal: shared def".into(), line))?;
                self.function(fd)?;
            }
            StmtKind::Class(c) => {
                let cd = Rc::get_mut(c)
                    .ok_or_else(|| self.err("internal: shared class".into(), line))?;
                for b in cd.bases.iter_mut() {
                    self.expr(b)?;
                }
                self.name(&mut cd.name);
                let mut sc = Scope {
                    kind: Kind::Class,
                    names: Vec::new(),
                    globals: HashSet::new(),
                    nonlocals: HashSet::new(),
                };
                collect_block(&cd.body, &mut sc);
                self.scopes.push(sc);
                self.block(&mut cd.body)?;
                let sc = self.scopes.pop().map(|s| s.names).unwrap_or_default();
                cd.nslots = sc.len() as u32;
                cd.slot_names = sc;
            }
            StmtKind::Try(b, hs, e, fin) => {
                self.block(b)?;
                for h in hs {
                    if let Some(t) = &mut h.typ {
                        self.expr(t)?;
                    }
                    if let Some(n) = &mut h.name {
                        self.name(n);
                    }
                    self.block(&mut h.body)?;
                }
                self.block(e)?;
                self.block(fin)?;
            }
            StmtKind::Raise(a, b) => {
                if let Some(a) = a {
                    self.expr(a)?;
                }
                if let Some(b) = b {
                    self.expr(b)?;
                }
            }
            StmtKind::Assert(t, m) => {
                self.expr(t)?;
                if let Some(m) = m {
                    self.expr(m)?;
                }
            }
            StmtKind::Global(_) => {}
            StmtKind::Nonlocal(ns) => {
                for n in ns.iter() {
                    let ok = matches!(self.lookup(n), Loc::Outer(..));
                    if !ok || self.scopes.len() < 2 {
                        return Err(
                            self.err(format!("no binding for nonlocal '{}' found", n), line)
                        );
                    }
                }
            }
            StmtKind::Del(ts) => {
                for t in ts {
                    self.expr(t)?;
                }
            }
            StmtKind::Import(items) => items.iter_mut().for_each(|(_, n)| self.name(n)),
            StmtKind::ImportFrom(_, items) => items.iter_mut().for_each(|(_, n)| self.name(n)),
            StmtKind::With(items, b) => {
                for (e, t) in items {
                    self.expr(e)?;
                    if let Some(t) = t {
                        self.expr(t)?;
                    }
                }
                self.block(b)?;
            }
            StmtKind::Break | StmtKind::Continue | StmtKind::Pass => {}
        }
        Ok(())
    }

    fn function(&mut self, f: &mut FuncDef) -> RResult {
        for d in f.decorators.iter_mut() {
            self.expr(d)?;
        }
        for p in f.params.iter_mut() {
            if let Some(d) = &mut p.default {
                self.expr(d)?;
            }
        }
        let mut sc = Scope {
            kind: Kind::Function,
            names: Vec::new(),
            globals: HashSet::new(),
            nonlocals: HashSet::new(),
        };
        for p in &f.params {
            sc.names.push(p.name.clone());
        }
        collect_block(&f.body, &mut sc);
        for p in &f.params {
            if sc.globals.contains(&p.name) {
                return Err(self.err(format!("name '{}' is parameter and global", p.name), f.line));
            }
        }
        self.scopes.push(sc);
        self.block(&mut f.body)?;
        f.nslots = self.scopes.pop().map(|s| s.names.len() as u32).unwrap_or(0);
        Ok(())
    }

    fn expr(&mut self, e: &mut Expr) -> RResult {
        match e {
            Expr::Const(_) => {}
            Expr::Name(n) => self.name(n),
            Expr::FStr(parts) => self.fparts(parts)?,
            Expr::Bin(a, _, b) => {
                self.expr(a)?;
                self.expr(b)?;
            }
            Expr::Unary(_, a) | Expr::Starred(a) | Expr::Attr(a, _) => self.expr(a)?,
            Expr::BoolOp(_, v) | Expr::List(v) | Expr::Tuple(v) | Expr::Set(v) => {
                for x in v {
                    self.expr(x)?;
                }
            }
            Expr::Compare(a, ops) => {
                self.expr(a)?;
                for (_, x) in ops {
                    self.expr(x)?;
                }
            }
            Expr::IfExp(a, b, c) => {
                self.expr(a)?;
                self.expr(b)?;
                self.expr(c)?;
            }
            Expr::Call(f, args) => {
                self.expr(f)?;
                for a in args {
                    match a {
                        Arg::Pos(x) | Arg::Star(x) | Arg::Kw(_, x) | Arg::StarStar(x) => {
                            self.expr(x)?
                        }
                    }
                }
            }
            Expr::Subscript(a, b) => {
                self.expr(a)?;
                self.expr(b)?;
            }
            Expr::Slice(a, b, c) => {
                for x in [a, b, c].into_iter().flatten() {
                    self.expr(x)?;
                }
            }
            Expr::Dict(items) => {
                for (k, v) in items {
                    if let Some(k) = k {
                        self.expr(k)?;
                    }
                    self.expr(v)?;
                }
            }
            Expr::Comp(c) => {
                let cd = Rc::get_mut(c)
                    .ok_or_else(|| self.err("internal: shared comprehension".into(), 0))?;
                self.comp(cd)?
            }
            Expr::Lambda(f) => {
                let fd =
                    Rc::get_mut(f).ok_or_else(|| self.err("internal: shared lambda".into(), 0))?;
                self.function(fd)?;
            }
            Expr::Walrus(n, v) => {
                self.expr(v)?;
                self.name(n);
            }
        }
        Ok(())
    }

    fn fparts(&mut self, parts: &mut [FPart]) -> RResult {
        for p in parts {
            if let FPart::Expr(e, _, spec) = p {
                self.expr(e)?;
                self.fparts(spec)?;
            }
        }
        Ok(())
    }

    fn comp(&mut self, c: &mut Comp) -> RResult {
        // the first iterable is evaluated in the enclosing scope
        if let Some(g) = c.gens.first_mut() {
            self.expr(&mut g.iter)?;
        }
        let mut sc = Scope {
            kind: Kind::Comp,
            names: Vec::new(),
            globals: HashSet::new(),
            nonlocals: HashSet::new(),
        };
        for g in &c.gens {
            collect_target(&g.target, &mut sc);
        }
        self.scopes.push(sc);
        for (i, g) in c.gens.iter_mut().enumerate() {
            if i > 0 {
                self.expr(&mut g.iter)?;
            }
            self.expr(&mut g.target)?;
            for x in g.ifs.iter_mut() {
                self.expr(x)?;
            }
        }
        self.expr(&mut c.elt)?;
        if let Some(v) = &mut c.val {
            self.expr(v)?;
        }
        c.nslots = self.scopes.pop().map(|s| s.names.len() as u32).unwrap_or(0);
        Ok(())
    }
}
