//! `#[derive(LabelValue)]`: each variant of an enum is one label value.

use crate::case::to_snake_case;
use crate::rules;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, LitStr};

pub(crate) fn label_value(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    match expand(&input) {
        Ok(tokens) => tokens,
        Err(errors) => errors.iter().map(syn::Error::to_compile_error).collect(),
    }
}

fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let keyword = match &input.data {
        Data::Enum(_) => None,
        Data::Struct(data) => Some(data.struct_token.span),
        Data::Union(data) => Some(data.union_token.span),
    };
    let (Data::Enum(data), None) = (&input.data, keyword) else {
        return Err(vec![syn::Error::new(
            keyword.unwrap_or_else(|| input.ident.span()),
            "`LabelValue` derives only on enums: a label needs a closed set of values\nhelp: make the type an enum with one variant per value",
        )]);
    };
    let mut errors = Vec::new();
    let mut values: Vec<(String, &syn::Ident)> = Vec::new();
    let mut client_errors: Vec<String> = Vec::new();
    let mut arms = Vec::new();
    // `#[label(client_error)]` on the enum: every variant is the caller's fault.
    let all_client = match label_attrs(&input.attrs, false) {
        Ok(attrs) => attrs.client_error,
        Err(error) => {
            errors.push(error);
            false
        }
    };
    for (index, variant) in data.variants.iter().enumerate() {
        let attrs = label_attrs(&variant.attrs, true);
        let client = all_client || attrs.as_ref().is_ok_and(|attrs| attrs.client_error);
        let (value, span, help) = match attrs.map(|attrs| attrs.rename) {
            Ok(Some(rename)) if rename.value().is_empty() => {
                let what = format!("the label value of `{}`", variant.ident);
                if let Err(violation) = rules::label_value(&what, "") {
                    errors.push(violation.at(rename.span()));
                }
                continue;
            }
            Ok(Some(rename)) => (
                rename.value(),
                rename.span(),
                "rename it to a value no other variant takes",
            ),
            Ok(None) => (
                to_snake_case(&variant.ident.to_string()),
                variant.ident.span(),
                "give it `#[label(rename = \"...\")]` with a value no other variant takes",
            ),
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        // One error, on the token that made the value collide: a second error
        // for the first variant would read as a second mistake.
        if let Some((_, first)) = values.iter().find(|(seen, _)| *seen == value) {
            errors.push(syn::Error::new(
                span,
                format!(
                    "duplicate label value `{value}`: variants `{first}` and `{}` would share one series\nhelp: {help}",
                    variant.ident,
                ),
            ));
        }
        if client {
            client_errors.push(value.clone());
        }
        values.push((value, &variant.ident));
        let ident = &variant.ident;
        arms.push(quote! { Self::#ident { .. } => #index });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let name = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let values: Vec<&String> = values.iter().map(|(value, _)| value).collect();
    // `Option<T>` labels take `T`'s values and `"none"`: a constant only the
    // derive can write out, since a generic `const` cannot concatenate slices.
    let with_none = (!values.iter().any(|value| *value == "none")).then(|| {
        quote! {
            const VALUES_WITH_NONE: &'static [&'static str] = &[#(#values,)* "none"];
        }
    });
    let client = (!client_errors.is_empty()).then(|| {
        quote! {
            const CLIENT_ERRORS: &'static [&'static str] = &[#(#client_errors),*];
        }
    });
    let index_body = if arms.is_empty() {
        quote! { match *self {} }
    } else {
        quote! { match self { #(#arms,)* } }
    };
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics ::metricate::LabelValue for #name #type_generics #where_clause {
            const VALUES: &'static [&'static str] = &[#(#values),*];
            #with_none
            #client

            #[inline]
            fn index(&self) -> usize {
                #index_body
            }
        }
    })
}

/// What `#[label(..)]` says: a variant's `rename = "..."`, and
/// `client_error` (on a variant, or on the enum for every variant).
#[derive(Default)]
struct LabelAttrs {
    rename: Option<LitStr>,
    client_error: bool,
}

fn label_attrs(attrs: &[syn::Attribute], on_variant: bool) -> syn::Result<LabelAttrs> {
    let mut found = LabelAttrs::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("label")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") && on_variant {
                found.rename = Some(meta.value()?.parse::<LitStr>()?);
                Ok(())
            } else if meta.path.is_ident("client_error") {
                found.client_error = true;
                Ok(())
            } else {
                let key = quote::ToTokens::to_token_stream(&meta.path).to_string().replace(' ', "");
                let keys = if on_variant {
                    "the keys are `rename` and `client_error`: `#[label(rename = \"...\", client_error)]`"
                } else {
                    "on the enum the only key is `client_error`: `#[label(client_error)]`"
                };
                Err(meta.error(format!("unknown key `{key}` in `#[label]`\nhelp: {keys}")))
            }
        })?;
    }
    Ok(found)
}
