// The form readers live in WebForms (Foundation only, so the fuzz targets of Fuzz/ reach them);
// every office app that imports OfficeWeb reads its forms with them.
@_exported import WebForms
