//! How a site joins the catalogue: each site's `static` is an element of one of
//! the runtime's three `linkme` distributed slices. This module is the only place
//! that knows how.
//!
//! On ELF targets the element is placed by writing, on the `static` itself, the
//! attributes `linkme`'s element macro expands to (`#[used]` and the section
//! `linkme_<SLICE>`). That skips the macro and its type-check closure, a quarter
//! of an annotation's compile time (docs/performance.md). Elsewhere `linkme`'s
//! own attribute does the work.
//!
//! INVARIANT: the section name and the target list below are `linkme` 0.3.37's
//! (`linkme-impl/src/linker.rs` and `declaration.rs`). The workspace pins
//! `linkme` to that exact version, so a new one is a deliberate change that
//! checks both again; `tests/tests/catalog.rs` fails if a site goes missing.

use proc_macro2::{Span, TokenStream};
use quote::quote;

/// The `target_os` values on which `linkme` uses ELF-style `linkme_<SLICE>`
/// sections, bounded by `__start_`/`__stop_` symbols.
const ELF_TARGET_OSES: &[&str] = &[
    "none", "linux", "android", "fuchsia", "psp", "freebsd", "openbsd",
];

/// The runtime's distributed slices, each with the type of its elements: the
/// attribute and the element type come from one place and cannot disagree.
#[derive(Clone, Copy)]
pub(crate) enum Slice {
    /// `#[instrument_metric]` sites: `metricate::__private::Site`.
    Functions,
    /// `counter!`, `gauge!` and `histogram!` sites: `metricate::__private::ValueSite`.
    Values,
    /// `computed_gauge!` sites: `metricate::__private::ComputedSite`.
    Computed,
}

impl Slice {
    fn name(self) -> &'static str {
        match self {
            Slice::Functions => "FUNCTION_SITES",
            Slice::Values => "VALUE_SITES",
            Slice::Computed => "COMPUTED_SITES",
        }
    }

    fn element_type(self) -> TokenStream {
        match self {
            Slice::Functions => quote!(::metricate::__private::Site),
            Slice::Values => quote!(::metricate::__private::ValueSite),
            Slice::Computed => quote!(::metricate::__private::ComputedSite),
        }
    }

    /// `static __METRICATE_SITE: <element> = <init>;`, an element of this slice.
    pub(crate) fn declare(self, init: TokenStream) -> TokenStream {
        let section = format!("linkme_{}", self.name());
        let slice = syn::Ident::new(self.name(), Span::call_site());
        let elf = ELF_TARGET_OSES.iter().map(|os| quote!(target_os = #os));
        let elf = quote!(any(#(#elf),*));
        let element = self.element_type();
        quote! {
            #[cfg_attr(#elf, used, unsafe(link_section = #section))]
            #[cfg_attr(not(#elf), ::metricate::__private::linkme::distributed_slice(::metricate::__private::#slice))]
            #[cfg_attr(not(#elf), linkme(crate = ::metricate::__private::linkme))]
            static __METRICATE_SITE: #element = #init;
        }
    }
}
