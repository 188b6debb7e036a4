//! `#[derive(LabelValue)]`: each variant of an enum is one label value.

use crate::validate::to_snake_case;
use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
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
    let Data::Enum(data) = &input.data else {
        return Err(vec![syn::Error::new(
            input.ident.span(),
            "`LabelValue` derives only on enums: a label needs a closed set of values\nhelp: make the type an enum with one variant per value",
        )]);
    };
    let mut errors = Vec::new();
    let mut values: Vec<(String, proc_macro2::Span)> = Vec::new();
    let mut arms = Vec::new();
    for (index, variant) in data.variants.iter().enumerate() {
        let value = match renamed(&variant.attrs) {
            Ok(Some(rename)) => rename.value(),
            Ok(None) => to_snake_case(&variant.ident.to_string()),
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        if let Some((_, first)) = values.iter().find(|(seen, _)| *seen == value) {
            let mut error = syn::Error::new(
                variant.span(),
                format!("duplicate label value `{value}`: two variants would share one series\nhelp: give one of them `#[label(rename = \"...\")]`"),
            );
            error.combine(syn::Error::new(*first, "first used here"));
            errors.push(error);
        }
        values.push((value, variant.ident.span()));
        let ident = &variant.ident;
        arms.push(quote! { Self::#ident { .. } => #index });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let name = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let values = values.iter().map(|(value, _)| value);
    let index_body = if arms.is_empty() {
        quote! { match *self {} }
    } else {
        quote! { match self { #(#arms,)* } }
    };
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics ::metricate::LabelValue for #name #type_generics #where_clause {
            const VALUES: &'static [&'static str] = &[#(#values),*];

            #[inline]
            fn index(&self) -> usize {
                #index_body
            }
        }
    })
}

/// The value of `#[label(rename = "...")]`, if the variant has one.
fn renamed(attrs: &[syn::Attribute]) -> syn::Result<Option<LitStr>> {
    let mut rename = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("label")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                rename = Some(meta.value()?.parse::<LitStr>()?);
                Ok(())
            } else {
                Err(meta.error("unknown `label` attribute\nhelp: the only one is `#[label(rename = \"...\")]`"))
            }
        })?;
    }
    Ok(rename)
}
