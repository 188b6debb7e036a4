use metricate::LabelValue;

#[derive(LabelValue)]
enum CvFormat {
    Pdf,
    #[label(renam = "doc")]
    Docx,
}

fn main() {}
