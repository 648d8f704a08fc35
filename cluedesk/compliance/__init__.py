"""Legal clocks (acknowledgment, feedback) and their compliance report; oral reports and the staff
entry of phone calls, meetings and letters (issue 11). (The deployment profile: cluedesk.deployment.)"""
