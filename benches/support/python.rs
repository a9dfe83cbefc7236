//! The generated Python file the syntax benches share.

/// 10,000 lines: imports, constants, then classes of methods that call each other.
pub fn source() -> String {
    let mut text = String::from(
        "\"\"\"Generated.\"\"\"\nimport os\nimport json\nfrom decimal import Decimal\n\nRATE = Decimal(\"0.2\")\n\n",
    );
    let mut class = 0;
    while text.lines().count() < 10_000 {
        text.push_str(&format!("\nclass Service{class}:\n"));
        for method in 0..10 {
            text.push_str(&format!(
                "    def call{method}(self, value):\n        \"\"\"Call {method}.\"\"\"\n        total = value * RATE + {method}\n        if total > 10:\n            return self.call{}(total - 1)\n        return json.dumps({{\"v\": total}})\n\n",
                (method + 1) % 10
            ));
        }
        class += 1;
    }
    text
}
