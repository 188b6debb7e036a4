//! `#[instrument_metric(..)]` on an `impl` block (inherent or of a trait):
//! each method it chooses is annotated with the same keys, as if written on
//! the method, and `fn_label` tells the methods' series apart.

use crate::diagnostics::{backticked, did_you_mean, Violation};
use crate::expand::{instrument_fn, is_instrument_metric};
use crate::parse::{Args, MethodList};
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{ImplItem, ImplItemFn, ItemFn, ItemImpl};

/// The block with its chosen methods instrumented; on any error, every error
/// of the first method that has some, and the block as it was.
pub(crate) fn instrument(
    args: &Args,
    mut errors: Vec<syn::Error>,
    mut block: ItemImpl,
    compiled_out: bool,
) -> TokenStream {
    let methods: Vec<String> = block
        .items
        .iter()
        .filter_map(|item| match item {
            ImplItem::Fn(method) => Some(method.sig.ident.to_string()),
            _ => None,
        })
        .collect();
    for list in [&args.only, &args.skip].into_iter().flatten() {
        check_names(list, &methods, &mut errors);
    }
    if let (Some(only), Some(_)) = (&args.only, &args.skip) {
        errors.push(
            Violation::new(
                "`only` and `skip` both choose the methods: give one of them",
                Some("keep `only(..)` to name the methods instrumented, or `skip(..)` to name those left bare".to_owned()),
            )
            .at(only.key.span()),
        );
    }
    if args.fn_label.is_none() {
        errors.push(
            Violation::new(
                "the methods of an annotated `impl` block share its families, so their series need a label that tells them apart",
                Some("add `fn_label = \"method\"`: each method's series get its name as that label's value".to_owned()),
            )
            .at(proc_macro2::Span::call_site()),
        );
    }
    if !errors.is_empty() {
        let errors = errors.iter().map(syn::Error::to_compile_error);
        return quote! { #(#errors)* #block };
    }
    let mut method_args = args.clone();
    method_args.only = None;
    method_args.skip = None;
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else {
            continue;
        };
        if !chosen(args, method) {
            continue;
        }
        match instrument_fn(method_args.clone(), Vec::new(), as_fn(method), compiled_out) {
            Ok(tokens) => *item = ImplItem::Verbatim(with_defaultness(method, tokens)),
            Err(refused) => {
                let errors = refused.errors.iter().map(syn::Error::to_compile_error);
                return quote! { #(#errors)* #block };
            }
        }
    }
    block.into_token_stream()
}

/// Whether the block instruments `method`: chosen by `only`/`skip`, and not
/// annotated on its own (its own attribute wins).
fn chosen(args: &Args, method: &ImplItemFn) -> bool {
    let named = |list: &Option<MethodList>| {
        list.as_ref()
            .is_some_and(|list| list.names.contains(&method.sig.ident))
    };
    let own = method.attrs.iter().any(is_instrument_metric);
    !own && !named(&args.skip) && (args.only.is_none() || named(&args.only))
}

/// Every name of `only(..)`/`skip(..)` is a method of the block.
fn check_names(list: &MethodList, methods: &[String], errors: &mut Vec<syn::Error>) {
    let candidates: Vec<&str> = methods.iter().map(String::as_str).collect();
    for name in &list.names {
        let text = name.to_string();
        if methods.contains(&text) {
            continue;
        }
        let help = match did_you_mean(&text, &candidates) {
            Some(nearest) => format!("did you mean `{nearest}`?"),
            None => format!("the methods are {}", backticked(&candidates)),
        };
        errors.push(
            Violation::new(
                format!(
                    "`{}({text})` names no method of this `impl` block",
                    list.key
                ),
                Some(help),
            )
            .at(name.span()),
        );
    }
}

/// The method as a free fn, which is what one annotation instruments.
fn as_fn(method: &ImplItemFn) -> ItemFn {
    ItemFn {
        attrs: method.attrs.clone(),
        vis: method.vis.clone(),
        sig: method.sig.clone(),
        block: Box::new(method.block.clone()),
    }
}

/// `default` (specialisation) goes before the rest of the method again.
fn with_defaultness(method: &ImplItemFn, tokens: TokenStream) -> TokenStream {
    match &method.defaultness {
        None => tokens,
        Some(default) => {
            // Attributes first, then `default`, then the visibility and signature.
            let mut tokens = tokens.into_iter().peekable();
            let mut out = TokenStream::new();
            while let Some(token) = tokens.peek() {
                match token {
                    proc_macro2::TokenTree::Punct(punct) if punct.as_char() == '#' => {
                        out.extend(tokens.next());
                        out.extend(tokens.next());
                    }
                    _ => break,
                }
            }
            out.extend(default.to_token_stream());
            out.extend(tokens);
            out
        }
    }
}
