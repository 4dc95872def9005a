"""Writing trained countermeasures in exchange formats that run without spoofscope (ONNX)."""
