"""Forms as typed models <-> XML, with the XSD shipped in the package."""
