"""One cog per audience: students (/mysessions), mentors (/complete, /schedule, /cancel, /roster) and
admins (/mentor add, /pack grant, /seats), and insight into the program (/student, /export, /report). A command parses its options and hands one core function
and its renderer to ``Host.run_command`` (or a read model to ``run_view``), which runs it, answers a
refusal, shows the result and delivers the DMs it caused."""
