//! The grammar of the value macros.
//!
//! `counter!("name", help = "...", buckets = [...], label = expr, label: Type = expr)`:
//! labels are either `name = expr` (values known from the first use) or
//! `name: Type = expr` (values known at compile time: the series exist at 0 from
//! start, and the budget is checked by `cargo check`).
//!
//! `computed_gauge!("name", help = "...", label = "LABEL", callback)`.

use crate::parse::{parse_buckets, Bucket};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, LitStr, Token, Type};

pub(crate) struct ValueArgs {
    pub(crate) name: LitStr,
    pub(crate) help: Option<LitStr>,
    pub(crate) buckets: Option<(Ident, Vec<Bucket>)>,
    pub(crate) labels: Vec<ValueLabel>,
}

pub(crate) struct ValueLabel {
    pub(crate) name: Ident,
    pub(crate) ty: Option<Type>,
    pub(crate) value: Expr,
}

impl ValueArgs {
    /// Whether every label's type is written, so its values are known at start.
    pub(crate) fn all_typed(&self) -> bool {
        self.labels.iter().all(|label| label.ty.is_some())
    }
}

impl Parse for ValueArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "the first argument is the metric name, a string literal",
            )
        })?;
        let mut args = ValueArgs {
            name,
            help: None,
            buckets: None,
            labels: Vec::new(),
        };
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key = Ident::parse_any(input)?;
            if key == "help" && input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                args.help = Some(input.parse()?);
            } else if key == "buckets" && input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                args.buckets = Some((key, parse_buckets(input)?));
            } else {
                let ty = if input.peek(Token![:]) {
                    input.parse::<Token![:]>()?;
                    Some(input.parse()?)
                } else {
                    None
                };
                input.parse::<Token![=]>()?;
                let value = input.parse()?;
                args.labels.push(ValueLabel {
                    name: key,
                    ty,
                    value,
                });
            }
        }
        Ok(args)
    }
}

/// `computed_gauge!("name", help = "...", label = "state", || read())`.
pub(crate) struct ComputedArgs {
    pub(crate) name: LitStr,
    pub(crate) help: Option<LitStr>,
    pub(crate) label: Option<LitStr>,
    pub(crate) read: Expr,
}

impl Parse for ComputedArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: LitStr = input.parse()?;
        let (mut help, mut label) = (None, None);
        loop {
            input.parse::<Token![,]>()?;
            if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
                let key: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                match key.to_string().as_str() {
                    "help" => help = Some(input.parse()?),
                    "label" => label = Some(input.parse()?),
                    other => {
                        return Err(syn::Error::new(
                            key.span(),
                            format!("unknown key `{other}` in `computed_gauge!`\nhelp: the keys are `help` and `label`, then the callback"),
                        ))
                    }
                }
            } else {
                let read = input.parse()?;
                let _ = input.parse::<Option<Token![,]>>()?;
                return Ok(ComputedArgs {
                    name,
                    help,
                    label,
                    read,
                });
            }
        }
    }
}
