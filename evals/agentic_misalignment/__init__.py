"""Agentic misalignment eval: an AI email agent that can blackmail, leak, kill or exfiltrate."""
