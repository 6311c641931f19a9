"""Docking with courts and arbitration institutes, both directions
(docs/contracts.md#docking-with-courts-and-arbitration-institutes).

- `partners`: who we dock with (settings), `signing`: every request they send us checked (HMAC-SM3, window, nonces);
- `delegations`: cases delegated to us, their answer (accept with a mediator of the court's roster, or decline
  with a reason of 法释〔2021〕23号 art. 12), the partner's view and withdrawal;
- `clocks`: the court's period from acceptance, extensions with every party's consent, the appraisal pause;
- `ends`: what a delegated case's end sends back (the art. 21 report, the materials of art. 15, filing);
- `events`: the partner's events, and the case writer's hook that tells it of the ends other rooms write;
- `assignment`: a mediator put in charge, of a delegated case only one on the partner's roster;
- `confirmations`: judicial confirmation and arbitral review applied for jointly online, the decision back;
- `roster`: the special-invite roster proposed and decided; `outbox`: our events delivered to partners;
- `watch`: the clocks nobody acts on (answers not given in time) and the roster's sending, in the background.
"""
