"""The demo: a CA with OCSP and CRLs, an I-VAN provider, a unit, an SMTP catcher with a mailbox
page, and a command that sends declarations through the real API (`openivan demo …`)."""
