"""Preference generalisation eval: does the model express a preference stated in a toy spec."""
