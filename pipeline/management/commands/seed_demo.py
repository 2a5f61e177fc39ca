from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from capacity import services as capacity_services
from clinics import changes, demo, network, services
from clinics.models import Clinic
from marketing import services as marketing_services
from pipeline import services as pipeline_services
from scenarios import services as scenario_services
from scorecards import services as scorecard_services


class Command(BaseCommand):
    help = "Load a realistic, deterministic demo network and one demo user per role."

    def add_arguments(self, parser):
        parser.add_argument("--clinics", type=int, default=12, help="number of clinics (12)")
        parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
        parser.add_argument(
            "--months", type=int, default=18, help="months of appointment history (18; 0: none)"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has clinics (keeps your edits)",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="reference date YYYY-MM-DD (default: today); same seed and date, same network",
        )

    def handle(self, *args, **options):
        with changes.held():  # worked here, in order, not raced by a worker
            self._seed(*args, **options)

    def _seed(
        self, *args, clinics: int, seed: int, months: int, today: date | None, if_empty: bool,
        **options,
    ):  # fmt: skip
        if not 1 <= clinics <= 500:
            raise CommandError("--clinics must be between 1 and 500")
        if if_empty and Clinic.objects.exists():
            self.stdout.write("The database already has clinics; demo not loaded (--if-empty).")
            return
        if not 0 <= months <= 60:
            raise CommandError("--months must be between 0 and 60")
        today = today or timezone.localdate()
        try:
            summary = services.demo_seed(clinics=clinics, seed=seed, today=today)
        except network.NetworkFileError as exc:  # a bug in the generator, not the user's input
            raise CommandError("\n".join(exc.lines())) from exc
        for kind, counts in summary.items():
            self.stdout.write(f"{kind}: " + ", ".join(f"{n} {w}" for w, n in counts.items()))
        if months:
            history = capacity_services.demo_history_seed(today=today, months=months, seed=seed)
            self.stdout.write(
                f"appointments: {history['appointments']} over {months} months and the next "
                f"3; third next available: {history['tnaa_rows']} records"
            )
        pipeline_services.recompute_request(reason="demo network", kick=False)
        self._pipeline(today, "rollups, caps and targets")
        plan = marketing_services.demo_marketing_seed(today=today, seed=seed)
        self.stdout.write(
            f"campaigns: {plan['campaigns']}; goals requested: {plan['goals_requested']}; "
            f"past goals: {plan['past_goals']}"
        )
        cards = scorecard_services.demo_scorecards_seed(today=today, seed=seed)
        self.stdout.write(
            f"scorecards: {cards['entered']} entered values, {cards['targets']} board targets, "
            f"{cards['assessments']} maturity assessments"
        )
        self._pipeline(today, "measurements")
        notes = scorecard_services.demo_notes_seed(today=today)
        self.stdout.write(f"notes on red KPIs: {notes}")
        scenarios = scenario_services.demo_scenarios_seed(today=today)
        self.stdout.write(
            "scenarios: " + ("; ".join(f"{s.name} ({s.status})" for s in scenarios) or "none")
        )
        users = ", ".join(f"{u} / {p} ({r})" for u, p, r, _ in demo.DEMO_USERS)
        self.stdout.write(self.style.SUCCESS(f"Demo network loaded. Users: {users}"))

    def _pipeline(self, today: date, what: str) -> None:
        """The recorded changes, worked here through the same pipeline a worker runs."""
        for job in pipeline_services.run_now(today=today):
            self.stdout.write(
                f"{what}: {job.rollup_rows} rollup rows, {job.goals} goal rows, "
                f"{job.measurements} measurements ({job.duration_seconds or 0:.1f} s)"
            )
