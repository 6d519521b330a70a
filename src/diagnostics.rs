//! TODO: stub of the compiler branch's report, replaced by its merge.

pub struct Report;

impl Report {
    pub fn has_errors(&self) -> bool {
        todo!("lands with the compiler branch")
    }

    pub fn is_empty(&self) -> bool {
        todo!("lands with the compiler branch")
    }

    pub fn render_graphical(&self, _color: bool) -> String {
        todo!("lands with the compiler branch")
    }
}
