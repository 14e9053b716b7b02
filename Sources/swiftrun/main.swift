print("swiftrun")
