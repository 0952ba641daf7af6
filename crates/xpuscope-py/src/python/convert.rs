//! Views to Python objects: a serde serializer that builds the dicts, lists, strings and numbers
//! `json.loads` would make of the CLI's `--format json`, without the text in between.
//!
//! It exists because the general converter (`pythonize`) made a fresh Python string for every
//! field name of every dict, and an `infer` view holds some 300 of them (the breakdown repeats
//! the same dozen names per operator): turning the view into dicts cost ten times the
//! evaluation. Here every field name and enum variant, which serde hands over as `&'static str`,
//! becomes one interned Python string for the life of the process, so a dict entry costs one
//! reference count and a hash the string already carries.
//!
//! The result equals the JSON's: map keys become strings as serde_json writes them, unit
//! variants their names, other variants a one-entry dict, `None` and unit `None`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Display;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::ManuallyDrop;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use serde::ser::{self, Serialize};

/// A view (or any serde value) as Python objects.
pub(crate) fn to_python<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    value.serialize(Ser { py, keep: None }).map_err(|e| e.0)
}

/// The same with only the top-level fields named in `keep`, the rest never built (the names
/// are checked by the caller).
pub(crate) fn to_python_fields<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
    keep: &[String],
) -> PyResult<Bound<'py, PyAny>> {
    value
        .serialize(Ser {
            py,
            keep: Some(keep),
        })
        .map_err(|e| e.0)
}

/// Interned Python strings of the `&'static str` names serde passes (field names, variants),
/// keyed by the name's address and length: the set is the program's field names, so it stays
/// small, and a lookup mixes two words instead of hashing the text. One table per thread, so
/// a lookup takes no lock; the strings live as long as the process (they are interned, so
/// Python keeps them anyway), which is why the table is never dropped.
type Names = HashMap<(usize, usize), Py<PyString>, BuildHasherDefault<AddressHasher>>;

thread_local! {
    static NAMES: ManuallyDrop<RefCell<Names>> = ManuallyDrop::new(RefCell::new(Names::default()));
}

fn name<'py>(py: Python<'py>, s: &'static str) -> Bound<'py, PyString> {
    let key = (s.as_ptr() as usize, s.len());
    NAMES.with(|names| {
        names
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| PyString::intern(py, s).unbind())
            .bind(py)
            .clone()
    })
}

/// A hasher for addresses: a multiply that spreads an address's bits over the word (the
/// table's keys are few and distinct, so no defence against chosen keys is needed).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// A conversion's failure: the Python error it raises.
#[derive(Debug)]
pub(crate) struct Error(PyErr);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(PyValueError::new_err(msg.to_string()))
    }
}

impl From<PyErr> for Error {
    fn from(e: PyErr) -> Self {
        Error(e)
    }
}

type Out<'py> = Result<Bound<'py, PyAny>, Error>;

/// The serializer: a handle on the interpreter, and the fields to keep of the dict it builds
/// (None: all; the dicts inside it keep all).
#[derive(Clone, Copy)]
struct Ser<'a, 'py> {
    py: Python<'py>,
    keep: Option<&'a [String]>,
}

impl<'py> Ser<'_, 'py> {
    fn all(py: Python<'py>) -> Ser<'static, 'py> {
        Ser { py, keep: None }
    }
}

/// A list being filled (sequences, tuples), and the variant it sits under, if any.
struct List<'py> {
    py: Python<'py>,
    items: Vec<Bound<'py, PyAny>>,
    variant: Option<&'static str>,
}

/// A dict being filled (maps, structs), the key waiting for its value (None also when the
/// key is one to leave out), the fields to keep, and the variant.
struct Dict<'a, 'py> {
    py: Python<'py>,
    dict: Bound<'py, PyDict>,
    key: Option<Bound<'py, PyAny>>,
    keep: Option<&'a [String]>,
    variant: Option<&'static str>,
}

/// `{variant: value}`, serde_json's externally tagged form.
fn tagged<'py>(
    py: Python<'py>,
    variant: Option<&'static str>,
    value: Bound<'py, PyAny>,
) -> Out<'py> {
    match variant {
        None => Ok(value),
        Some(v) => {
            let d = PyDict::new(py);
            d.set_item(name(py, v), value)?;
            Ok(d.into_any())
        }
    }
}

impl<'a, 'py> ser::Serializer for Ser<'a, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    type SerializeSeq = List<'py>;
    type SerializeTuple = List<'py>;
    type SerializeTupleStruct = List<'py>;
    type SerializeTupleVariant = List<'py>;
    type SerializeMap = Dict<'a, 'py>;
    type SerializeStruct = Dict<'a, 'py>;
    type SerializeStructVariant = Dict<'a, 'py>;

    fn serialize_bool(self, v: bool) -> Out<'py> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }
    fn serialize_i8(self, v: i8) -> Out<'py> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Out<'py> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Out<'py> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Out<'py> {
        Ok(PyInt::new(self.py, v).into_any())
    }
    fn serialize_i128(self, v: i128) -> Out<'py> {
        match v.into_pyobject(self.py) {
            Ok(n) => Ok(n.into_any()),
            Err(never) => match never {},
        }
    }
    fn serialize_u8(self, v: u8) -> Out<'py> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Out<'py> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Out<'py> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Out<'py> {
        Ok(PyInt::new(self.py, v).into_any())
    }
    fn serialize_u128(self, v: u128) -> Out<'py> {
        match v.into_pyobject(self.py) {
            Ok(n) => Ok(n.into_any()),
            Err(never) => match never {},
        }
    }
    fn serialize_f32(self, v: f32) -> Out<'py> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Out<'py> {
        // serde_json writes a non-finite number as null.
        if !v.is_finite() {
            return self.serialize_none();
        }
        Ok(PyFloat::new(self.py, v).into_any())
    }
    fn serialize_char(self, v: char) -> Out<'py> {
        let mut buf = [0u8; 4];
        self.serialize_str(v.encode_utf8(&mut buf))
    }
    fn serialize_str(self, v: &str) -> Out<'py> {
        Ok(PyString::new(self.py, v).into_any())
    }
    fn serialize_bytes(self, v: &[u8]) -> Out<'py> {
        // As serde_json: a list of numbers.
        let items = v.iter().map(|b| PyInt::new(self.py, *b).into_any());
        Ok(PyList::new(self.py, items)?.into_any())
    }
    fn serialize_none(self) -> Out<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Out<'py> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
    ) -> Out<'py> {
        Ok(name(self.py, variant).into_any())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> Out<'py> {
        let inner = value.serialize(self)?;
        tagged(self.py, Some(variant), inner)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<List<'py>, Error> {
        Ok(List {
            py: self.py,
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<List<'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<List<'py>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<List<'py>, Error> {
        let mut l = self.serialize_seq(Some(len))?;
        l.variant = Some(variant);
        Ok(l)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Dict<'a, 'py>, Error> {
        Ok(Dict {
            py: self.py,
            dict: PyDict::new(self.py),
            key: None,
            keep: self.keep,
            variant: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Dict<'a, 'py>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Dict<'a, 'py>, Error> {
        let mut d = self.serialize_map(Some(len))?;
        d.variant = Some(variant);
        Ok(d)
    }
}

impl<'py> List<'py> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.items.push(value.serialize(Ser::all(self.py))?);
        Ok(())
    }
    fn finish(self) -> Out<'py> {
        let list = PyList::new(self.py, self.items)?.into_any();
        tagged(self.py, self.variant, list)
    }
}

/// The four list-shaped serde traits differ only in the name of the element method.
macro_rules! list_of {
    ($trait:ident, $method:ident) => {
        impl<'py> ser::$trait for List<'py> {
            type Ok = Bound<'py, PyAny>;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.push(value)
            }
            fn end(self) -> Out<'py> {
                self.finish()
            }
        }
    };
}

list_of!(SerializeSeq, serialize_element);
list_of!(SerializeTuple, serialize_element);
list_of!(SerializeTupleStruct, serialize_field);
list_of!(SerializeTupleVariant, serialize_field);

impl<'py> Dict<'_, 'py> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        if self.keep.is_some_and(|k| !k.iter().any(|f| f == key)) {
            return Ok(());
        }
        let v = value.serialize(Ser::all(self.py))?;
        self.dict.set_item(name(self.py, key), v)?;
        Ok(())
    }
    fn finish(self) -> Out<'py> {
        tagged(self.py, self.variant, self.dict.into_any())
    }
}

impl<'py> ser::SerializeMap for Dict<'_, 'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let key = key.serialize(Key(self.py))?;
        let kept = match self.keep {
            None => true,
            Some(k) => {
                let text = key.str()?;
                let text = text.to_cow()?;
                k.iter().any(|f| *f == text)
            }
        };
        self.key = kept.then_some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        // A key left out leaves None here, and so does its value.
        if let Some(key) = self.key.take() {
            self.dict
                .set_item(key, value.serialize(Ser::all(self.py))?)?;
        }
        Ok(())
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

/// Structs and struct variants both fill a dict field by field.
macro_rules! struct_of {
    ($trait:ident) => {
        impl<'py> ser::$trait for Dict<'_, 'py> {
            type Ok = Bound<'py, PyAny>;
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }
            fn end(self) -> Out<'py> {
                self.finish()
            }
        }
    };
}

struct_of!(SerializeStruct);
struct_of!(SerializeStructVariant);

/// A map key as serde_json writes it: a string, a unit variant's name, or a number or bool in
/// its text form. Anything else is refused, as serde_json refuses it.
#[derive(Clone, Copy)]
struct Key<'py>(Python<'py>);

fn text_key<'py>(py: Python<'py>, v: impl Display) -> Bound<'py, PyAny> {
    PyString::new(py, &v.to_string()).into_any()
}

fn refused<T>() -> Result<T, Error> {
    Err(<Error as ser::Error>::custom(
        "a map key must be a string or a number",
    ))
}

impl<'py> ser::Serializer for Key<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    type SerializeSeq = ser::Impossible<Bound<'py, PyAny>, Error>;
    type SerializeTuple = ser::Impossible<Bound<'py, PyAny>, Error>;
    type SerializeTupleStruct = ser::Impossible<Bound<'py, PyAny>, Error>;
    type SerializeTupleVariant = ser::Impossible<Bound<'py, PyAny>, Error>;
    type SerializeMap = ser::Impossible<Bound<'py, PyAny>, Error>;
    type SerializeStruct = ser::Impossible<Bound<'py, PyAny>, Error>;
    type SerializeStructVariant = ser::Impossible<Bound<'py, PyAny>, Error>;

    fn serialize_bool(self, v: bool) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_i8(self, v: i8) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_i16(self, v: i16) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_i32(self, v: i32) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_i64(self, v: i64) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_u8(self, v: u8) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_u16(self, v: u16) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_u32(self, v: u32) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_u64(self, v: u64) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_f32(self, v: f32) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_f64(self, v: f64) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_char(self, v: char) -> Out<'py> {
        Ok(text_key(self.0, v))
    }
    fn serialize_str(self, v: &str) -> Out<'py> {
        Ok(PyString::new(self.0, v).into_any())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Out<'py> {
        refused()
    }
    fn serialize_none(self) -> Out<'py> {
        refused()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Out<'py> {
        refused()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Out<'py> {
        refused()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
    ) -> Out<'py> {
        Ok(name(self.0, variant).into_any())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Out<'py> {
        refused()
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        refused()
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        refused()
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        refused()
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        refused()
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        refused()
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        refused()
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        refused()
    }
}
