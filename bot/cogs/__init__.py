"""One cog per audience: students (/mysessions), mentors (/complete, /schedule, /cancel, /roster) and
admins (/mentor add, /pack grant, /seats). A command parses its options, calls one core function,
renders the result, and delivers the DMs it caused."""
