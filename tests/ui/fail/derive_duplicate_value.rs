use metricate::LabelValue;

#[derive(LabelValue)]
enum CvFormat {
    Pdf,
    #[label(rename = "pdf")]
    PortableDocument,
}

fn main() {}
