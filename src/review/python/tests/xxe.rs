//! XML: external entities and entity expansion.

use super::*;
use crate::review::rules::{XML_EXPANSION, XXE};

#[test]
fn parsers_and_their_entities() {
    table(&[
        (
            "import xml.sax, xml.sax.handler\ndef f(data):\n    p = xml.sax.make_parser()\n    p.setFeature(xml.sax.handler.feature_external_ges, True)\n    p.parse(data)\n",
            &[(5, XXE)],
        ),
        (
            "import xml.dom.minidom, xml.sax\ndef f(data):\n    p = xml.sax.make_parser()\n    return xml.dom.minidom.parseString(data, p)\n",
            &[(4, XML_EXPANSION)],
        ),
        (
            "import defusedxml.ElementTree as ET\ndef f(d):\n    return ET.fromstring(d)\n",
            &[],
        ),
        (
            "from lxml import etree\ndef f(d):\n    return etree.fromstring(d)\n",
            &[(3, XXE)],
        ),
        (
            "from lxml import etree\ndef f(d):\n    p = etree.XMLParser(resolve_entities=False)\n    return etree.fromstring(d, p)\n",
            &[],
        ),
        (
            "import xml.etree.ElementTree as ET\nET.fromstring('<a/>')\n",
            &[],
        ),
    ]);
}
