//! The sections of a CV: contact, summary, experience, education and skills,
//! found by their headings (plain, Markdown `#`, or a trailing colon); the
//! lines before the first heading are the contact block.

use serde::Serialize;

/// The sections every CV is read into, in the API's order.
pub const SECTION_NAMES: [&str; 5] = ["contact", "summary", "experience", "education", "skills"];

/// A CV's text, by section. A section the CV does not have is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Sections {
    /// Name, email, phone, links: the lines before the first heading.
    pub contact: String,
    /// The profile or summary.
    pub summary: String,
    /// Work experience.
    pub experience: String,
    /// Education.
    pub education: String,
    /// Skills.
    pub skills: String,
}

/// The section a heading line opens, if it is one.
fn heading(line: &str) -> Option<usize> {
    let words = line
        .trim()
        .trim_start_matches('#')
        .trim()
        .trim_end_matches(':')
        .trim()
        .to_ascii_lowercase();
    let section = match words.as_str() {
        "contact" | "contact details" | "contact information" => 0,
        "summary" | "profile" | "about" | "about me" | "professional summary" | "objective" => 1,
        "experience"
        | "work experience"
        | "employment"
        | "employment history"
        | "professional experience"
        | "work history" => 2,
        "education" | "studies" | "qualifications" => 3,
        "skills" | "technical skills" | "key skills" | "competencies" | "technologies" => 4,
        _ => return None,
    };
    Some(section)
}

impl Sections {
    /// Splits `text` at its headings.
    pub fn of(text: &str) -> Sections {
        let mut parts: [Vec<&str>; 5] = Default::default();
        let mut current = 0;
        for line in text.lines() {
            match heading(line) {
                Some(section) => current = section,
                None if !line.trim().is_empty() => parts[current].push(line.trim()),
                None => {}
            }
        }
        let [contact, summary, experience, education, skills] = parts.map(|lines| lines.join("\n"));
        Sections {
            contact,
            summary,
            experience,
            education,
            skills,
        }
    }

    /// The sections as `(name, text)`, in [`SECTION_NAMES`] order.
    pub fn iter(&self) -> [(&'static str, &str); 5] {
        [
            ("contact", &self.contact),
            ("summary", &self.summary),
            ("experience", &self.experience),
            ("education", &self.education),
            ("skills", &self.skills),
        ]
    }

    /// The skills, one per comma, semicolon, bullet or line.
    pub fn skill_list(&self) -> Vec<String> {
        self.skills
            .split([',', ';', '\n', '•', '|'])
            .map(|skill| {
                skill
                    .trim()
                    .trim_start_matches(['-', '*'])
                    .trim()
                    .to_owned()
            })
            .filter(|skill| !skill.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_in_any_style_open_their_section() {
        let sections = Sections::of(
            "Grace Hopper\ngrace@navy.mil\n## Profile\nCompiler pioneer.\nWORK EXPERIENCE:\nUNIVAC\n# Education\nYale PhD\nSkills\n- COBOL\n- Compilers; Debugging",
        );
        assert_eq!(sections.contact, "Grace Hopper\ngrace@navy.mil");
        assert_eq!(sections.summary, "Compiler pioneer.");
        assert_eq!(sections.experience, "UNIVAC");
        assert_eq!(sections.education, "Yale PhD");
        assert_eq!(sections.skill_list(), ["COBOL", "Compilers", "Debugging"]);
    }
}
