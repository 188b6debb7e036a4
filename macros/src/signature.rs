//! What the annotated fn says about itself: how its body runs, the type a call
//! produces, where each label's value comes from, and which types can be named
//! outside the fn (in a `const` item, evaluated by `cargo check`, so their
//! values are known at start).

use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Expr, FnArg, Ident, ItemFn, Member, Pat, ReturnType, Stmt, Type};

/// How the body of the fn runs, and so what a call's duration is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum BodyKind {
    /// A plain fn: the call is the body running.
    Sync,
    /// An `async fn`: from the first poll of its future to its completion.
    Async,
    /// A method `#[async_trait]` already expanded: a sync fn whose whole body is
    /// `Box::pin(async move { .. })`. The inner future is what gets timed.
    AsyncTrait,
    /// A sync fn that returns a future (`-> impl Future<Output = T>`, or a boxed
    /// one): from the call to the future's completion, whichever `return`
    /// handed the future back.
    ReturnedFuture {
        /// The timing future is boxed: the fn returns `Pin<Box<dyn Future ..>>`
        /// (or a `BoxFuture` alias), or an `impl Future + Unpin`.
        boxed: bool,
    },
}

pub(crate) fn body_kind(func: &ItemFn) -> BodyKind {
    if func.sig.asyncness.is_some() {
        return BodyKind::Async;
    }
    if async_trait_future(func).is_some() {
        return BodyKind::AsyncTrait;
    }
    let ReturnType::Type(_, output) = &func.sig.output else {
        return BodyKind::Sync;
    };
    match future_output(output) {
        Some(future) => BodyKind::ReturnedFuture {
            boxed: future.boxed,
        },
        None => BodyKind::Sync,
    }
}

/// The `async move { .. }` block of a method `#[async_trait]` expanded. Its
/// expansion is recognised by the marker it leaves, the `'async_trait` lifetime
/// on the signature, and by the body being that one `Box::pin(async move { .. })`:
/// a hand-written fn ending in `Box::pin(async move { .. })` is not mistaken for it.
pub(crate) fn async_trait_future(func: &ItemFn) -> Option<&syn::ExprAsync> {
    let marked = func
        .sig
        .generics
        .lifetimes()
        .any(|param| param.lifetime.ident == "async_trait");
    let [Stmt::Expr(Expr::Call(call), None)] = func.block.stmts.as_slice() else {
        return None;
    };
    let Expr::Path(callee) = &*call.func else {
        return None;
    };
    let is_box_pin = callee
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .ends_with(&["Box".to_owned(), "pin".to_owned()]);
    match (marked, is_box_pin, call.args.first(), call.args.len()) {
        (true, true, Some(Expr::Async(future)), 1) => Some(future),
        _ => None,
    }
}

/// How many of the statements of `#[async_trait]`'s future are its own: the
/// return-type hint `if let Some(__ret) = None::<R> { return __ret; }`, and the
/// moves of the parameters into the future (`let x = x;`, `let __self = self;`,
/// `let (a, b) = { let __arg1 = __arg1; __arg1 };`). The user's statements come
/// after them (in `let __ret: R = { .. };`), and labels are read once the
/// parameters are bound again.
pub(crate) fn async_trait_prelude(stmts: &[Stmt]) -> usize {
    let is_hint = |stmt: &Stmt| match stmt {
        Stmt::Expr(Expr::If(branch), None) => match &*branch.cond {
            Expr::Let(binding) => matches!(&*binding.pat, Pat::TupleStruct(pattern)
                if pattern.elems.first().is_some_and(|elem| matches!(elem, Pat::Ident(ident) if ident.ident == "__ret"))),
            _ => false,
        },
        _ => false,
    };
    let is_move = |stmt: &Stmt| {
        let Stmt::Local(local) = stmt else {
            return false;
        };
        let Some(init) = &local.init else {
            return false;
        };
        match (&local.pat, &*init.expr) {
            // `let x = x;` and `let __self = self;`
            (Pat::Ident(binding), Expr::Path(path)) => {
                path.path.get_ident().is_some_and(|source| {
                    *source == binding.ident || (binding.ident == "__self" && source == "self")
                })
            }
            // `let PAT = { let __argN = __argN; __argN };`
            (_, Expr::Block(block)) => matches!(block.block.stmts.as_slice(),
                [Stmt::Local(inner), Stmt::Expr(Expr::Path(tail), None)]
                    if matches!(&inner.pat, Pat::Ident(arg) if arg.ident.to_string().starts_with("__arg")
                        && tail.path.is_ident(&arg.ident))),
            _ => false,
        }
    };
    let hint = usize::from(stmts.first().is_some_and(is_hint));
    hint + stmts[hint..]
        .iter()
        .take_while(|stmt| is_move(stmt))
        .count()
}

/// A future type and its `Output`.
pub(crate) struct FutureType<'a> {
    pub(crate) output: &'a Type,
    pub(crate) boxed: bool,
}

/// `impl Future<Output = T> (+ Send + 'a)`, `Pin<Box<dyn Future<Output = T> ..>>`,
/// `BoxFuture<'a, T>` and `LocalBoxFuture<'a, T>`. The future that times an
/// `impl Future + Unpin` is boxed, so it is `Unpin` too.
pub(crate) fn future_output(ty: &Type) -> Option<FutureType<'_>> {
    match ty {
        Type::ImplTrait(bounds) => {
            let unpin = bounds.bounds.iter().any(|bound| {
                matches!(bound, syn::TypeParamBound::Trait(t)
                    if t.path.segments.last().is_some_and(|s| s.ident == "Unpin"))
            });
            let output = bounds.bounds.iter().find_map(future_bound_output)?;
            Some(FutureType {
                output,
                boxed: unpin,
            })
        }
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            let arguments = match &last.arguments {
                syn::PathArguments::AngleBracketed(arguments) => arguments,
                _ => return None,
            };
            let mut types = arguments.args.iter().filter_map(|argument| match argument {
                syn::GenericArgument::Type(ty) => Some(ty),
                _ => None,
            });
            if last.ident == "BoxFuture" || last.ident == "LocalBoxFuture" {
                return Some(FutureType {
                    output: types.next()?,
                    boxed: true,
                });
            }
            // Pin<Box<dyn Future<Output = T> + ..>>
            let Type::Path(boxed) = types.next()? else {
                return None;
            };
            let boxed = boxed.path.segments.last()?;
            let (true, true, syn::PathArguments::AngleBracketed(inner)) =
                (last.ident == "Pin", boxed.ident == "Box", &boxed.arguments)
            else {
                return None;
            };
            match inner.args.first()? {
                syn::GenericArgument::Type(Type::TraitObject(object)) => Some(FutureType {
                    output: object.bounds.iter().find_map(future_bound_output)?,
                    boxed: true,
                }),
                _ => None,
            }
        }
        Type::Paren(paren) => future_output(&paren.elem),
        Type::Group(group) => future_output(&group.elem),
        _ => None,
    }
}

/// `T` of a `Future<Output = T>` bound.
fn future_bound_output(bound: &syn::TypeParamBound) -> Option<&Type> {
    let syn::TypeParamBound::Trait(bound) = bound else {
        return None;
    };
    let last = bound.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    if last.ident != "Future" {
        return None;
    }
    arguments.args.iter().find_map(|argument| match argument {
        syn::GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
        _ => None,
    })
}

/// The type a call produces: the declared output, or the `Output` of the future
/// whose run is timed.
pub(crate) fn produced_type(func: &ItemFn, body: BodyKind) -> Option<&Type> {
    let ReturnType::Type(_, output) = &func.sig.output else {
        return None;
    };
    match body {
        BodyKind::Sync | BodyKind::Async => Some(output),
        BodyKind::AsyncTrait | BodyKind::ReturnedFuture { .. } => {
            Some(future_output(output).map_or(&**output, |future| future.output))
        }
    }
}

/// `E` of a type written `Result<T, E>` (any path ending in `Result` with two
/// type arguments).
pub(crate) fn result_error_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    let mut types = arguments.args.iter().filter_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    match (
        last.ident == "Result",
        types.next(),
        types.next(),
        types.next(),
    ) {
        (true, Some(_), Some(error), None) => Some(error),
        _ => None,
    }
}

/// A type written as a `Result`: `Result<T, E>`, or an alias whose name ends in
/// `Result` (`io::Result<T>`, `anyhow::Result<T>`).
pub(crate) fn looks_like_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident.to_string().ends_with("Result")),
        Type::Paren(paren) => looks_like_result(&paren.elem),
        Type::Group(group) => looks_like_result(&group.elem),
        _ => false,
    }
}

/// A type that is plainly not a `Result`, so `errors` is refused on it at once.
pub(crate) fn plainly_not_result(ty: &Type) -> bool {
    const NOT_RESULT: &[&str] = &[
        "bool", "char", "str", "String", "Option", "Vec", "Box", "u8", "u16", "u32", "u64", "u128",
        "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64", "HashMap", "BTreeMap",
        "Pin",
    ];
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| NOT_RESULT.contains(&segment.ident.to_string().as_str())),
        Type::Tuple(_)
        | Type::Reference(_)
        | Type::Array(_)
        | Type::Slice(_)
        | Type::Never(_)
        | Type::ImplTrait(_) => true,
        _ => false,
    }
}

/// The names of the fn's type parameters.
pub(crate) fn generic_names(func: &ItemFn) -> Vec<String> {
    func.sig
        .generics
        .type_params()
        .map(|param| param.ident.to_string())
        .collect()
}

/// What a type mentions that decides where it can be named.
#[derive(Default)]
pub(crate) struct TypeShape {
    pub(crate) mentions_self: bool,
    pub(crate) mentions_generics: bool,
    pub(crate) has_impl_trait: bool,
    pub(crate) is_bare_generic: bool,
}

impl TypeShape {
    pub(crate) fn of(ty: &Type, generics: &[String]) -> Self {
        struct Finder<'g> {
            generics: &'g [String],
            shape: TypeShape,
        }
        impl<'ast> Visit<'ast> for Finder<'_> {
            fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
                self.shape.has_impl_trait = true;
            }
            fn visit_path(&mut self, path: &'ast syn::Path) {
                if let Some(first) = path.segments.first() {
                    if first.ident == "Self" {
                        self.shape.mentions_self = true;
                    }
                    if path.leading_colon.is_none()
                        && self.generics.iter().any(|generic| first.ident == generic)
                    {
                        self.shape.mentions_generics = true;
                    }
                }
                syn::visit::visit_path(self, path);
            }
        }
        let mut finder = Finder {
            generics,
            shape: TypeShape::default(),
        };
        if let Type::Path(path) = ty {
            finder.shape.is_bare_generic = path.qself.is_none()
                && path
                    .path
                    .get_ident()
                    .is_some_and(|ident| generics.iter().any(|generic| ident == generic));
        }
        finder.visit_type(ty);
        finder.shape
    }

    /// Whether a `const` item outside the fn can name the type.
    pub(crate) fn nameable_outside(&self) -> bool {
        !(self.mentions_self || self.mentions_generics || self.has_impl_trait)
    }
}

/// The type with every lifetime made `'static`, so it can be named in a `const`
/// item outside the fn's generics (label values do not depend on lifetimes).
pub(crate) fn with_static_lifetimes(ty: &Type) -> Type {
    struct StaticLifetimes;
    impl VisitMut for StaticLifetimes {
        fn visit_lifetime_mut(&mut self, lifetime: &mut syn::Lifetime) {
            *lifetime = syn::Lifetime::new("'static", lifetime.span());
        }
        fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
            reference.lifetime = Some(syn::Lifetime::new("'static", reference.and_token.span));
            syn::visit_mut::visit_type_reference_mut(self, reference);
        }
    }
    let mut ty = ty.clone();
    StaticLifetimes.visit_type_mut(&mut ty);
    ty
}

/// The type with every `impl Trait` replaced by `_`, to name it inside the body,
/// where the hidden type is inferred.
pub(crate) fn with_inferred_impl_traits(ty: &Type) -> Type {
    struct Infer;
    impl VisitMut for Infer {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(impl_trait) = ty {
                *ty = Type::Infer(syn::TypeInfer {
                    underscore_token: syn::Token![_](impl_trait.impl_token.span),
                });
                return;
            }
            syn::visit_mut::visit_type_mut(self, ty);
        }
    }
    let mut ty = ty.clone();
    Infer.visit_type_mut(&mut ty);
    ty
}

/// Where a label's value is read from: a parameter, or a binding of a
/// parameter's pattern, and the field path from there.
pub(crate) struct ValueRoot<'a> {
    pub(crate) fields: Vec<Member>,
    /// The parameter's type as written (references kept).
    pub(crate) param_type: &'a Type,
    /// The parameter's pattern, when the root is one of its bindings rather than
    /// the parameter itself.
    pub(crate) pattern: Option<&'a Pat>,
}

/// `user.plan.tier` -> (`user`, [`plan`, `tier`]); `None` for anything else.
pub(crate) fn field_path(expr: &Expr) -> Option<(String, Vec<Member>)> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => {
            Some((path.path.get_ident()?.to_string(), Vec::new()))
        }
        Expr::Field(field) => {
            let (root, mut fields) = field_path(&field.base)?;
            fields.push(field.member.clone());
            Some((root, fields))
        }
        Expr::Paren(paren) => field_path(&paren.expr),
        _ => None,
    }
}

/// The patterns `#[async_trait]` moved out of the signature: each `let PAT =
/// { let __argN = __argN; __argN };` of its prelude, with the type of
/// `__argN` in the signature. Labels may read their bindings as they read a
/// pattern written in the signature.
fn async_trait_patterns(func: &ItemFn) -> Vec<(&Pat, &Type)> {
    let Some(future) = async_trait_future(func) else {
        return Vec::new();
    };
    let stmts = &future.block.stmts;
    stmts[..async_trait_prelude(stmts)]
        .iter()
        .filter_map(|stmt| {
            let Stmt::Local(local) = stmt else {
                return None;
            };
            let Expr::Block(block) = &*local.init.as_ref()?.expr else {
                return None;
            };
            let Some(Stmt::Expr(Expr::Path(tail), None)) = block.block.stmts.last() else {
                return None;
            };
            let arg = tail.path.get_ident()?;
            let ty = func.sig.inputs.iter().find_map(|input| match input {
                FnArg::Typed(typed) => {
                    matches!(&*typed.pat, Pat::Ident(ident) if ident.ident == *arg)
                        .then_some(&*typed.ty)
                }
                FnArg::Receiver(_) => None,
            })?;
            Some((&local.pat, ty))
        })
        .collect()
}

/// Finds the parameter, or the binding of a parameter's pattern, that `root` names.
pub(crate) fn value_root<'a>(
    func: &'a ItemFn,
    root: &str,
    fields: Vec<Member>,
) -> Option<ValueRoot<'a>> {
    let moved = async_trait_patterns(func)
        .into_iter()
        .find_map(|(pattern, ty)| {
            pattern_bindings(pattern)
                .iter()
                .any(|binding| *binding == root)
                .then(|| ValueRoot {
                    fields: fields.clone(),
                    param_type: ty,
                    pattern: Some(pattern),
                })
        });
    if moved.is_some() {
        return moved;
    }
    func.sig.inputs.iter().find_map(|input| match input {
        FnArg::Receiver(receiver) => (root == "self").then(|| ValueRoot {
            fields: fields.clone(),
            param_type: &receiver.ty,
            pattern: None,
        }),
        FnArg::Typed(typed) => match &*typed.pat {
            Pat::Ident(ident) if ident.ident == root && ident.subpat.is_none() => Some(ValueRoot {
                fields: fields.clone(),
                param_type: &typed.ty,
                pattern: None,
            }),
            pattern => pattern_bindings(pattern)
                .iter()
                .any(|binding| *binding == root)
                .then(|| ValueRoot {
                    fields: fields.clone(),
                    param_type: &typed.ty,
                    pattern: Some(pattern),
                }),
        },
    })
}

/// Every name a pattern binds.
pub(crate) fn pattern_bindings(pattern: &Pat) -> Vec<Ident> {
    struct Bindings(Vec<Ident>);
    impl Visit<'_> for Bindings {
        fn visit_pat_ident(&mut self, binding: &syn::PatIdent) {
            self.0.push(binding.ident.clone());
            syn::visit::visit_pat_ident(self, binding);
        }
    }
    let mut bindings = Bindings(Vec::new());
    bindings.visit_pat(pattern);
    bindings.0
}

/// The names a label may read: the parameters and their patterns' bindings
/// (for `#[async_trait]`, those of the patterns it moved into its future, not
/// its `__argN`).
pub(crate) fn readable_names(func: &ItemFn) -> Vec<String> {
    let moved = async_trait_patterns(func);
    let moved_args: Vec<&Type> = moved.iter().map(|(_, ty)| *ty).collect();
    func.sig
        .inputs
        .iter()
        .flat_map(|input| match input {
            FnArg::Receiver(_) => vec!["self".to_owned()],
            FnArg::Typed(typed) if moved_args.iter().any(|ty| std::ptr::eq(*ty, &*typed.ty)) => {
                Vec::new()
            }
            FnArg::Typed(typed) => pattern_bindings(&typed.pat)
                .iter()
                .map(Ident::to_string)
                .collect(),
        })
        .chain(
            moved
                .iter()
                .flat_map(|(pattern, _)| pattern_bindings(pattern))
                .map(|binding| binding.to_string()),
        )
        .collect()
}

/// `pattern` with `keep` bound by reference and every other binding `_`, so that
/// `let <pattern> = param;` on a reference to the parameter gives a reference to
/// `keep`'s value (default binding modes) and moves nothing.
pub(crate) fn pattern_keeping(pattern: &Pat, keep: &str) -> Pat {
    struct Keep<'k>(&'k str);
    impl VisitMut for Keep<'_> {
        fn visit_field_pat_mut(&mut self, field: &mut syn::FieldPat) {
            // `Wrapper { inner }` is shorthand for `Wrapper { inner: inner }`: once
            // the binding goes, the field must be named.
            if field.colon_token.is_none()
                && !matches!(&*field.pat, Pat::Ident(binding) if binding.ident == self.0)
            {
                field.colon_token = Some(syn::Token![:](field.member.span()));
            }
            syn::visit_mut::visit_field_pat_mut(self, field);
        }

        fn visit_pat_mut(&mut self, pattern: &mut Pat) {
            if let Pat::Ident(binding) = pattern {
                if binding.ident == self.0 {
                    binding.by_ref = None;
                    binding.mutability = None;
                    binding.subpat = None;
                } else if let Some((_, subpattern)) = binding.subpat.take() {
                    *pattern = *subpattern;
                    self.visit_pat_mut(pattern);
                } else {
                    *pattern = Pat::Wild(syn::PatWild {
                        attrs: Vec::new(),
                        underscore_token: syn::Token![_](binding.ident.span()),
                    });
                }
                return;
            }
            syn::visit_mut::visit_pat_mut(self, pattern);
        }
    }
    let mut pattern = pattern.clone();
    Keep(keep).visit_pat_mut(&mut pattern);
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn body_of(source: &str) -> BodyKind {
        body_kind(&syn::parse_str(source).unwrap())
    }

    #[test]
    fn bodies_are_classified_precisely() {
        assert_eq!(body_of("fn f() -> u32 { 1 }"), BodyKind::Sync);
        assert_eq!(body_of("async fn f() -> u32 { 1 }"), BodyKind::Async);
        // Hand-boxed futures are not `#[async_trait]`'s: timed as returned futures.
        assert_eq!(
            body_of("fn f(n: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> { let m = n; Box::pin(async move { m }) }"),
            BodyKind::ReturnedFuture { boxed: true }
        );
        // Early returns too: each returned future is timed.
        assert_eq!(
            body_of("fn f(n: u32) -> BoxFuture<'static, u32> { if n == 0 { return Box::pin(async { 0 }); } Box::pin(async move { n }) }"),
            BodyKind::ReturnedFuture { boxed: true }
        );
        assert_eq!(
            body_of("fn f() -> impl Future<Output = u32> + Send { async { 1 } }"),
            BodyKind::ReturnedFuture { boxed: false }
        );
        assert_eq!(
            body_of("fn f() -> impl Future<Output = u32> + Unpin { ready(1) }"),
            BodyKind::ReturnedFuture { boxed: true }
        );
        assert_eq!(
            body_of("fn f<'life0, 'async_trait>(&'life0 self) -> Pin<Box<dyn Future<Output = u32> + Send + 'async_trait>> { Box::pin(async move { let __self = self; let __ret: u32 = { 1 }; __ret }) }"),
            BodyKind::AsyncTrait
        );
    }

    #[test]
    fn async_trait_prelude_is_its_own_statements_only() {
        let block: syn::Block = syn::parse_str(
            "{
                if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<u32> { return __ret; }
                let __self = self;
                let mut x = x;
                let (a, b) = { let __arg2 = __arg2; __arg2 };
                let __ret: u32 = { let y = x; y };
                __ret
            }",
        )
        .unwrap();
        assert_eq!(async_trait_prelude(&block.stmts), 4);
        let user: syn::Block = syn::parse_str("{ let x = y; x }").unwrap();
        assert_eq!(async_trait_prelude(&user.stmts), 0);
    }

    #[test]
    fn patterns_keep_one_binding_by_reference() {
        let pattern = Pat::parse_single.parse_str("Wrapper { ref mut inner, other: (a, mut b) }");
        let kept = pattern_keeping(&pattern.unwrap(), "b");
        assert_eq!(
            kept.to_token_stream().to_string(),
            "Wrapper { inner : _ , other : (_ , b) }"
        );
    }

    use syn::parse::Parser;

    #[test]
    fn future_outputs() {
        let output = |source: &str| {
            let ty: Type = syn::parse_str(source).unwrap();
            future_output(&ty)
                .map(|future| (future.output.to_token_stream().to_string(), future.boxed))
        };
        assert_eq!(
            output("impl Future<Output = u8> + Send"),
            Some(("u8".into(), false))
        );
        assert_eq!(
            output("Pin<Box<dyn Future<Output = Result<u8, E>> + Send + 'a>>"),
            Some(("Result < u8 , E >".into(), true))
        );
        assert_eq!(output("BoxFuture<'a, u8>"), Some(("u8".into(), true)));
        assert_eq!(output("Vec<u8>"), None);
    }
}
