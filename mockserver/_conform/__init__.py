"""The conformance kit: `mockserver conform --client CMD` checks a client in any language."""
