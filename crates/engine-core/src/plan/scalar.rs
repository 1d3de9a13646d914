//! Literal values: one Arrow value of any type.

use std::fmt;
use std::sync::Arc;

use arrow_array::{
    cast::AsArray, new_null_array, Array, ArrayRef, BooleanArray, Float64Array, Int64Array,
    StringArray,
};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::DataType;

/// A single value, held as a one-element Arrow array so that every Arrow type
/// (lists, structs, decimals, timestamps) can be a literal or a folded constant.
#[derive(Clone)]
pub struct ScalarValue(ArrayRef);

impl ScalarValue {
    /// Wraps element `index` of `array`.
    pub fn from_array(array: &ArrayRef, index: usize) -> Self {
        ScalarValue(array.slice(index, 1))
    }
    /// A typed NULL.
    pub fn null(data_type: &DataType) -> Self {
        ScalarValue(new_null_array(data_type, 1))
    }
    /// A 64-bit integer.
    pub fn int64(v: i64) -> Self {
        ScalarValue(Arc::new(Int64Array::from(vec![v])))
    }
    /// A 64-bit float.
    pub fn float64(v: f64) -> Self {
        ScalarValue(Arc::new(Float64Array::from(vec![v])))
    }
    /// A string.
    pub fn utf8(v: &str) -> Self {
        ScalarValue(Arc::new(StringArray::from(vec![v])))
    }
    /// A boolean.
    pub fn boolean(v: bool) -> Self {
        ScalarValue(Arc::new(BooleanArray::from(vec![v])))
    }
    /// The value as a one-element array.
    pub fn array(&self) -> &ArrayRef {
        &self.0
    }
    /// The value's type.
    pub fn data_type(&self) -> &DataType {
        self.0.data_type()
    }
    /// Whether the value is NULL (an untyped NULL too, whose array has no
    /// validity buffer to say so).
    pub fn is_null(&self) -> bool {
        self.0.is_null(0) || self.0.data_type() == &DataType::Null
    }
    /// The value as an i64, if it is a non-null integer.
    pub fn as_i64(&self) -> Option<i64> {
        if self.is_null() {
            return None;
        }
        let a = arrow_cast::cast(&self.0, &DataType::Int64).ok()?;
        let a = a.as_any().downcast_ref::<Int64Array>()?;
        (!a.is_null(0)).then(|| a.value(0))
    }
    /// The value as an f64, if it is a non-null number.
    pub fn as_f64(&self) -> Option<f64> {
        if self.is_null() || !crate::types::is_numeric(self.0.data_type()) {
            return None;
        }
        let a = arrow_cast::cast(&self.0, &DataType::Float64).ok()?;
        let a = a.as_any().downcast_ref::<arrow_array::Float64Array>()?;
        (!a.is_null(0)).then(|| a.value(0))
    }
    /// The value as a string, if it is a non-null string of any layout
    /// (`Utf8`, `LargeUtf8` or `Utf8View`: a constant compared with a view
    /// column is cast to a view).
    pub fn as_str(&self) -> Option<&str> {
        if self.0.is_null(0) {
            return None;
        }
        match self.0.data_type() {
            DataType::Utf8 => Some(self.0.as_string::<i32>().value(0)),
            DataType::LargeUtf8 => Some(self.0.as_string::<i64>().value(0)),
            DataType::Utf8View => Some(self.0.as_string_view().value(0)),
            _ => None,
        }
    }
}

impl PartialEq for ScalarValue {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_data() == other.0.to_data()
    }
}

impl fmt::Debug for ScalarValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for ScalarValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_null() {
            return f.write_str("NULL");
        }
        let opts = FormatOptions::default();
        match ArrayFormatter::try_new(self.0.as_ref(), &opts) {
            Ok(fmtr) => {
                if matches!(
                    self.data_type(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) {
                    write!(f, "'{}'", fmtr.value(0))
                } else {
                    write!(f, "{}", fmtr.value(0))
                }
            }
            Err(_) => write!(f, "<{}>", self.data_type()),
        }
    }
}
